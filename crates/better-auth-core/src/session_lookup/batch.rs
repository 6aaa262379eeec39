//! Batched cache misses: concurrent lookups of different tokens become one store query
//! ([`SessionStore::find_sessions`]), and concurrent lookups of the same token one entry in it.
//!
//! How a batch forms: a lookup joins the queue; when fewer than `max_in_flight` batches are
//! being asked, it starts one at once (no timer, so a lone request waits for nothing). While
//! batches are in flight, newcomers queue; each batch, when answered, takes up to `max_tokens`
//! queued tokens into the next. Under load, batches therefore grow with the arrival rate, and
//! a request waits at most for the batch in flight before its own (each bounded by the store's
//! query deadline).
//!
//! Failures: each token has its own answer ([`SessionStore::find_sessions`]): a value that is
//! not a session, or a call that failed for one token (remote mode: one client's rate limit),
//! is that token's answer alone, so what one client sends never changes the answer another
//! client gets from the same batch; only the backend failing as a whole fails every token in
//! it (a 503 each), never an answer. The batch runs as its own task, so a request that goes
//! away abandons nothing; if that task ends without answering (a panic, the runtime shutting
//! down), every waiter gets an error, never a hang. Errors are not cached.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use tokio::sync::oneshot;

use super::answer_cache::AnswerCache;
use crate::cache_keys::Key;
use crate::{
    error::BackendError,
    model::SessionRecord,
    store::{SessionQuery, SessionStore},
};

/// How session lookups are batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// The most tokens asked in one query (default 64; 1: one query per token).
    pub max_tokens: usize,
    /// The most queries in flight at once (default 16, the SQL stores' default pool size).
    pub max_in_flight: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            max_tokens: 64,
            max_in_flight: 16,
        }
    }
}

impl BatchOptions {
    /// Batches of at most `max_tokens` tokens (at least 1).
    pub fn max_tokens(mut self, max_tokens: usize) -> Self {
        self.max_tokens = max_tokens.max(1);
        self
    }

    /// At most `max_in_flight` queries at once (at least 1).
    pub fn max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight.max(1);
        self
    }
}

type Answer = Result<Option<SessionRecord>, Arc<BackendError>>;

/// A token waiting for its batch.
struct Pending {
    key: Key,
    token: Box<str>,
    /// The signed value verified for it (0: none), kept with the cached answer.
    signed: Key,
    /// The client whose request asked first (remote mode passes it on).
    client: Option<IpAddr>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Pending>,
    /// Who waits for each queued or in-flight token.
    waiting: HashMap<Key, Vec<oneshot::Sender<Answer>>>,
    in_flight: usize,
}

struct Shared {
    store: Arc<dyn SessionStore>,
    /// Where answers go before their waiters wake (none: the cache is off).
    records: Option<Arc<AnswerCache>>,
    options: BatchOptions,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The batching front of a session store.
#[derive(Clone)]
pub(crate) struct Batcher {
    shared: Arc<Shared>,
}

impl Batcher {
    /// Batches lookups in `store`; answers are also kept in `records` when given.
    pub(crate) fn new(
        store: Arc<dyn SessionStore>,
        records: Option<Arc<AnswerCache>>,
        options: BatchOptions,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                store,
                records,
                options,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The options.
    pub(crate) fn options(&self) -> BatchOptions {
        self.shared.options
    }

    /// The session of `token` (whose key is `key`), asked in the next batch for `client`, or
    /// shared with a lookup of the same token already queued or in flight.
    pub(crate) async fn find(
        &self,
        token: &str,
        key: Key,
        signed: Key,
        client: Option<IpAddr>,
    ) -> Result<Option<SessionRecord>, BackendError> {
        let (sender, receiver) = oneshot::channel();
        let start = {
            let mut state = self.shared.state();
            if let Some(waiters) = state.waiting.get_mut(&key) {
                waiters.push(sender);
                false
            } else {
                // A batch may have answered this token between the caller's cache miss and
                // now: its answer is cached before its waiters are released.
                if let Some(entry) = self.shared.records.as_ref().and_then(|r| r.get(key, token)) {
                    return Ok(entry.answer);
                }
                state.waiting.insert(key, vec![sender]);
                state.queue.push_back(Pending {
                    key,
                    token: token.into(),
                    signed,
                    client,
                });
                let start = state.in_flight < self.shared.options.max_in_flight;
                if start {
                    state.in_flight += 1;
                }
                start
            }
        };
        if start {
            let shared = Arc::clone(&self.shared);
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(drain(shared));
                }
                // No runtime to run it on: ask in this request.
                Err(_) => drain(shared).await,
            }
        }
        match receiver.await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(shared)) => Err(shared.detached_copy()),
            Err(_) => Err(BackendError::unavailable(
                self.shared.store.backend(),
                "the session lookup ended without an answer",
            )),
        }
    }
}

/// Asks queued tokens, a batch at a time, until the queue is empty.
async fn drain(shared: Arc<Shared>) {
    let mut guard = Draining {
        shared: &shared,
        batch: Vec::new(),
        finished: false,
    };
    loop {
        {
            let mut state = shared.state();
            if state.queue.is_empty() {
                state.in_flight -= 1;
                guard.finished = true;
                return;
            }
            let take = state.queue.len().min(shared.options.max_tokens);
            guard.batch = state.queue.drain(..take).collect();
        }
        let batch = &guard.batch;
        let queries: Vec<SessionQuery<'_>> = batch
            .iter()
            .map(|pending| SessionQuery::new(&pending.token).for_client(pending.client))
            .collect();
        let mut answers = shared.store.find_sessions(&queries).await;
        if answers.len() != queries.len() {
            let error = BackendError::invalid_data(
                shared.store.backend(),
                "a batched lookup answered a different number of tokens",
            );
            answers = queries.iter().map(|_| Err(error.detached_copy())).collect();
        }
        let answers: Vec<Answer> = answers
            .into_iter()
            .map(|answer| answer.map_err(Arc::new))
            .collect();
        if let Some(records) = &shared.records {
            for (pending, answer) in batch.iter().zip(&answers) {
                if let Ok(answer) = answer {
                    records.insert(pending.key, answer.clone(), pending.signed);
                }
            }
        }
        let mut state = shared.state();
        for (pending, answer) in batch.iter().zip(answers) {
            for waiter in state.waiting.remove(&pending.key).unwrap_or_default() {
                let _ = waiter.send(answer.clone());
            }
        }
        drop(state);
        guard.batch.clear();
    }
}

/// Ends a drain that stopped early (a panic, the runtime shutting down): every waiter of its
/// batch and of the queue gets an error (their senders are dropped), and its slot is freed.
struct Draining<'a> {
    shared: &'a Shared,
    batch: Vec<Pending>,
    finished: bool,
}

impl Drop for Draining<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut state = self.shared.state();
        state.in_flight -= 1;
        for pending in self.batch.drain(..) {
            state.waiting.remove(&pending.key);
        }
        if state.in_flight == 0 {
            while let Some(pending) = state.queue.pop_front() {
                state.waiting.remove(&pending.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::model::{Session, User};

    /// A store that answers known tokens (`t0`..`t99`), fails, fails one token alone
    /// (`poison`: `t7`), or panics, counting its queries.
    #[derive(Debug)]
    struct Scripted {
        behaviour: &'static str,
        queries: AtomicUsize,
        tokens: AtomicUsize,
    }

    #[async_trait]
    impl SessionStore for Scripted {
        async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
            self.find_sessions(&[SessionQuery::new(token)])
                .await
                .pop()
                .unwrap_or(Ok(None))
        }
        async fn find_sessions(
            &self,
            queries: &[SessionQuery<'_>],
        ) -> Vec<crate::store::SessionAnswer> {
            self.queries.fetch_add(1, Ordering::SeqCst);
            self.tokens.fetch_add(queries.len(), Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            queries
                .iter()
                .map(|query| match (self.behaviour, query.token) {
                    ("fail", _) | ("poison", "t7") => {
                        Err(BackendError::unavailable("scripted", "down"))
                    }
                    ("panic", _) => panic!("the store panicked"),
                    (_, token) => {
                        let user = User::new(format!("u-{token}"), "N", "n@example.com");
                        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
                        Ok(Some(SessionRecord::new(
                            Session::new("s", token, user.id.clone(), expires),
                            user,
                        )))
                    }
                })
                .collect()
        }
        async fn check_health(&self) -> Result<(), BackendError> {
            Ok(())
        }
        fn backend(&self) -> &'static str {
            "scripted"
        }
    }

    async fn hundred_lookups(
        behaviour: &'static str,
    ) -> (
        Vec<Result<Option<SessionRecord>, BackendError>>,
        usize,
        usize,
    ) {
        let store = Arc::new(Scripted {
            behaviour,
            queries: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
        });
        let batcher = Batcher::new(
            store.clone(),
            None,
            BatchOptions::default().max_tokens(64).max_in_flight(1),
        );
        let keys = crate::cache_keys::Keys::random();
        let lookups = (0..100).map(|n| {
            let (batcher, token) = (batcher.clone(), format!("t{}", n % 50));
            let key = keys.token(&token);
            tokio::spawn(async move { batcher.find(&token, key, 0, None).await })
        });
        let answers =
            tokio::time::timeout(std::time::Duration::from_secs(5), futures_join_all(lookups))
                .await
                .expect("every waiter answered");
        (
            answers,
            store.queries.load(Ordering::SeqCst),
            store.tokens.load(Ordering::SeqCst),
        )
    }

    async fn futures_join_all<T>(
        handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles.collect::<Vec<_>>() {
            out.push(handle.await.expect("the lookup task itself does not panic"));
        }
        out
    }

    #[tokio::test]
    async fn concurrent_lookups_share_batches_and_tokens() {
        let (answers, queries, tokens) = hundred_lookups("answer").await;
        for (n, answer) in answers.into_iter().enumerate() {
            let record = answer.unwrap().unwrap();
            assert_eq!(record.session.token, format!("t{}", n % 50));
        }
        // 100 lookups of 50 distinct tokens, one query in flight: each token asked once, in one
        // batch (all queued before the first query ran) or two (the first alone).
        assert_eq!(tokens, 50);
        assert!(queries <= 2, "{queries} queries");
    }

    #[tokio::test]
    async fn a_failed_batch_is_an_error_for_every_waiter() {
        let (answers, _, _) = hundred_lookups("fail").await;
        assert!(answers.iter().all(Result::is_err));
    }

    #[tokio::test]
    async fn one_tokens_failure_is_that_tokens_answer_alone() {
        let (answers, queries, _) = hundred_lookups("poison").await;
        assert!(queries <= 2, "the poisoned token shares the batches");
        let mut failed = 0;
        for (n, answer) in answers.into_iter().enumerate() {
            let token = format!("t{}", n % 50);
            match answer {
                Err(_) => {
                    assert_eq!(token, "t7", "only t7 fails");
                    failed += 1;
                }
                Ok(record) => assert_eq!(record.unwrap().session.token, token),
            }
        }
        assert_eq!(failed, 2, "t7 was asked twice and failed twice");
    }

    #[tokio::test]
    async fn a_panicking_store_is_an_error_for_every_waiter_not_a_hang() {
        let (answers, _, _) = hundred_lookups("panic").await;
        assert!(answers.iter().all(Result::is_err));
    }
}
