//! Typed views of the user's and the session's fields (Better Auth's `additionalFields`, other
//! plugins' columns): each read once per request and type, then shared.

use std::{
    any::{Any, TypeId},
    sync::{Arc, Mutex},
};

use serde::{Serialize, de::DeserializeOwned};

use crate::error::AuthError;

type View = Arc<dyn Any + Send + Sync>;

/// One request's typed views, by model and type.
#[derive(Default)]
pub(crate) struct TypedFields {
    views: Mutex<Vec<(&'static str, TypeId, View)>>,
}

impl std::fmt::Debug for TypedFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFields").finish_non_exhaustive()
    }
}

impl TypedFields {
    /// `record` (a user or a session, serialized with Better Auth's field names) read as `T`:
    /// the view made by an earlier call of this request, or a new one. A mismatch is
    /// [`AuthError::FieldsMismatch`] (not kept: each call says it).
    pub(crate) fn view<T, R>(&self, model: &'static str, record: &R) -> Result<Arc<T>, AuthError>
    where
        T: DeserializeOwned + Send + Sync + 'static,
        R: Serialize,
    {
        let wanted = TypeId::of::<T>();
        let found = self
            .lock()
            .iter()
            .find(|(of, id, _)| *of == model && *id == wanted)
            .map(|(_, _, view)| view.clone());
        if let Some(view) = found.and_then(|view| view.downcast::<T>().ok()) {
            return Ok(view);
        }
        let mismatch = |reason: String| AuthError::FieldsMismatch {
            model,
            type_name: std::any::type_name::<T>(),
            reason,
        };
        let value = serde_json::to_value(record).map_err(|error| mismatch(error.to_string()))?;
        let view: Arc<T> =
            Arc::new(T::deserialize(value).map_err(|error| mismatch(error.to_string()))?);
        self.lock().push((model, wanted, view.clone()));
        Ok(view)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(&'static str, TypeId, View)>> {
        // A panic while the lock was held left whole entries.
        self.views
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
