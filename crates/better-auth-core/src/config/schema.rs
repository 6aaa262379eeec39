//! Table and column names: Better Auth's defaults, or renamed the way Better Auth's own
//! `modelName` / `fields` options (or a Drizzle snake_case schema) rename them.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ConfigError;

/// The tables the lookups read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The `user` table.
    User,
    /// The `session` table.
    Session,
    /// The `apikey` table (API key plugin).
    ApiKey,
    /// The `organization` table (organization plugin).
    Organization,
    /// The `member` table (organization plugin).
    Member,
    /// The `teamMember` table (organization plugin, teams).
    TeamMember,
    /// The `team` table (organization plugin, teams).
    Team,
    /// The `organizationRole` table (organization plugin, dynamic access control).
    OrganizationRole,
}

impl Model {
    /// Better Auth's name for the model (and default table name).
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Session => "session",
            Self::ApiKey => "apikey",
            Self::Organization => "organization",
            Self::Member => "member",
            Self::TeamMember => "teamMember",
            Self::Team => "team",
            Self::OrganizationRole => "organizationRole",
        }
    }
}

/// How column names are derived from Better Auth's field names when no explicit rename applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnNaming {
    /// Columns carry the field names (`emailVerified`): what Better Auth's migrations create.
    #[default]
    AsIs,
    /// Columns are snake_case (`email_verified`): Drizzle's generator without `camelCase`.
    SnakeCase,
}

/// The names of one model's table and columns, as in Better Auth's options
/// (`user: { modelName: "users", fields: { emailVerified: "email_verified" } }`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelNames {
    /// The table name (`modelName`); the model's name when unset.
    #[serde(default)]
    pub model_name: Option<String>,
    /// Field name to column name (`fields`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Where the `user` and `session` tables and their columns are.
///
/// The default is Better Auth's own layout. From JSON, it takes the shape of Better Auth's
/// options, plus `naming` and `usePlural` for Drizzle-style schemas:
///
/// ```
/// use better_auth_core::Schema;
///
/// let schema = Schema::from_json(r#"{
///     "naming": "snake_case",
///     "usePlural": true,
///     "user": { "fields": { "image": "avatar_url" } }
/// }"#)?;
/// assert_eq!(schema.table(better_auth_core::Model::User), "users");
/// # Ok::<(), better_auth_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schema {
    /// The `user` model.
    #[serde(default)]
    pub user: ModelNames,
    /// The `session` model.
    #[serde(default)]
    pub session: ModelNames,
    /// The `apikey` model (API key plugin: `apiKey({ schema: { apikey: ... } })`).
    #[serde(default)]
    pub apikey: ModelNames,
    /// The `organization` model (organization plugin: `organization({ schema: { organization: ... } })`).
    #[serde(default)]
    pub organization: ModelNames,
    /// The `member` model (organization plugin).
    #[serde(default)]
    pub member: ModelNames,
    /// The `team` model (organization plugin, teams).
    #[serde(default)]
    pub team: ModelNames,
    /// The `teamMember` model (organization plugin, teams).
    #[serde(default)]
    pub team_member: ModelNames,
    /// The `organizationRole` model (organization plugin, dynamic access control).
    #[serde(default)]
    pub organization_role: ModelNames,
    /// How unlisted columns are named.
    #[serde(default)]
    pub naming: ColumnNaming,
    /// Plural table names (`users`, `sessions`), like the Drizzle adapter's `usePlural`.
    #[serde(default)]
    pub use_plural: bool,
}

impl Schema {
    /// Better Auth's own layout: tables `user` and `session`, camelCase columns.
    pub fn better_auth() -> Self {
        Self::default()
    }

    /// A Drizzle-style layout: snake_case columns (`email_verified`, `expires_at`).
    pub fn snake_case() -> Self {
        Self {
            naming: ColumnNaming::SnakeCase,
            ..Self::default()
        }
    }

    /// Parses the JSON form (see the type's documentation).
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(json).map_err(|error| ConfigError::InvalidSchema(error.to_string()))
    }

    /// Plural table names (`users`, `sessions`).
    pub fn plural(mut self) -> Self {
        self.use_plural = true;
        self
    }

    /// Renames a model's table (Better Auth's `modelName`).
    pub fn table_name(mut self, model: Model, table: impl Into<String>) -> Self {
        self.names_mut(model).model_name = Some(table.into());
        self
    }

    /// Renames one column (Better Auth's `fields`): `field` is Better Auth's name for it.
    pub fn column_name(
        mut self,
        model: Model,
        field: impl Into<String>,
        column: impl Into<String>,
    ) -> Self {
        self.names_mut(model)
            .fields
            .insert(field.into(), column.into());
        self
    }

    fn names(&self, model: Model) -> &ModelNames {
        match model {
            Model::User => &self.user,
            Model::Session => &self.session,
            Model::ApiKey => &self.apikey,
            Model::Organization => &self.organization,
            Model::Member => &self.member,
            Model::Team => &self.team,
            Model::TeamMember => &self.team_member,
            Model::OrganizationRole => &self.organization_role,
        }
    }

    fn names_mut(&mut self, model: Model) -> &mut ModelNames {
        match model {
            Model::User => &mut self.user,
            Model::Session => &mut self.session,
            Model::ApiKey => &mut self.apikey,
            Model::Organization => &mut self.organization,
            Model::Member => &mut self.member,
            Model::Team => &mut self.team,
            Model::TeamMember => &mut self.team_member,
            Model::OrganizationRole => &mut self.organization_role,
        }
    }

    /// The table of `model`.
    pub fn table(&self, model: Model) -> String {
        match &self.names(model).model_name {
            Some(name) => name.clone(),
            None if self.use_plural => format!("{}s", model.name()),
            None => model.name().to_owned(),
        }
    }

    /// The column holding Better Auth field `field` of `model`.
    pub fn column(&self, model: Model, field: &str) -> String {
        if let Some(column) = self.names(model).fields.get(field) {
            return column.clone();
        }
        match self.naming {
            ColumnNaming::AsIs => field.to_owned(),
            ColumnNaming::SnakeCase => to_snake_case(field),
        }
    }

    /// The Better Auth field name of a column of `model` (the inverse of [`column`](Self::column)),
    /// used to name extra columns in [`User::extra`](crate::model::User::extra).
    pub fn field(&self, model: Model, column: &str) -> String {
        if let Some((field, _)) = self
            .names(model)
            .fields
            .iter()
            .find(|(_, renamed)| renamed.as_str() == column)
        {
            return field.clone();
        }
        match self.naming {
            ColumnNaming::AsIs => column.to_owned(),
            ColumnNaming::SnakeCase => to_camel_case(column),
        }
    }
}

fn to_snake_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn to_camel_case(column: &str) -> String {
    let mut out = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_better_auths_layout() {
        let s = Schema::better_auth();
        assert_eq!(s.table(Model::User), "user");
        assert_eq!(s.column(Model::Session, "expiresAt"), "expiresAt");
        assert_eq!(s.field(Model::User, "stripeCustomerId"), "stripeCustomerId");
    }

    #[test]
    fn snake_case_maps_both_ways() {
        let s = Schema::snake_case().plural();
        assert_eq!(s.table(Model::Session), "sessions");
        assert_eq!(s.column(Model::User, "emailVerified"), "email_verified");
        assert_eq!(
            s.column(Model::Session, "activeOrganizationId"),
            "active_organization_id"
        );
        assert_eq!(
            s.field(Model::Session, "active_organization_id"),
            "activeOrganizationId"
        );
        assert_eq!(s.field(Model::User, "id"), "id");
    }

    #[test]
    fn explicit_renames_win() {
        let s = Schema::from_json(
            r#"{"user": {"modelName": "accounts_users", "fields": {"emailVerified": "verified"}}}"#,
        )
        .unwrap();
        assert_eq!(s.table(Model::User), "accounts_users");
        assert_eq!(s.column(Model::User, "emailVerified"), "verified");
        assert_eq!(s.field(Model::User, "verified"), "emailVerified");
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(Schema::from_json(r#"{"users": {}}"#).is_err());
    }
}
