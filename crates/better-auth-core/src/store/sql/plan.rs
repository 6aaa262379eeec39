//! The lookup queries (session join user, API key join user), planned once at startup from the
//! live table layout.

use crate::{
    config::ConfigError,
    config::{Model, Schema},
};

/// A column as the database describes it.
#[derive(Debug, Clone)]
pub(crate) struct ColumnInfo {
    /// Its name.
    pub(crate) name: String,
    /// Its declared type, lower-cased (`text`, `timestamp with time zone`, `integer`, ...).
    /// Postgres decodes by it; SQLite, dynamically typed, decodes by each value's own type.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) data_type: String,
}

/// Which field of the record a selected column fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A field of the user: Better Auth's field name.
    User(String),
    /// A field of the session: Better Auth's field name.
    Session(String),
    /// A field of the API key (`apikey` table): Better Auth's field name.
    ApiKey(String),
}

/// A planned column: what it fills and how the database describes it.
#[derive(Debug, Clone)]
pub(crate) struct PlannedColumn {
    pub(crate) target: Target,
    pub(crate) info: ColumnInfo,
}

/// A lookup query's parts: every column of the looked-up table (session or API key), then every
/// column of its user.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) columns: Vec<PlannedColumn>,
    primary_table: String,
    user_table: String,
    lookup_column: String,
    primary_user_id_column: String,
    user_id_column: String,
}

const REQUIRED_USER: [&str; 6] = [
    "id",
    "name",
    "email",
    "emailVerified",
    "createdAt",
    "updatedAt",
];
const REQUIRED_SESSION: [&str; 6] = [
    "id",
    "token",
    "userId",
    "expiresAt",
    "createdAt",
    "updatedAt",
];
const REQUIRED_API_KEY: [&str; 3] = ["id", "key", "referenceId"];

impl Plan {
    /// Plans the session lookup from the columns found in the session and user tables, or says
    /// which table or column is missing.
    pub(crate) fn new(
        schema: &Schema,
        session_columns: Vec<ColumnInfo>,
        user_columns: Vec<ColumnInfo>,
    ) -> Result<Self, ConfigError> {
        Self::build(
            schema,
            Model::Session,
            &REQUIRED_SESSION,
            ("token", "userId"),
            session_columns,
            user_columns,
        )
    }

    /// Plans the API key lookup (by hashed `key`, joined to the user of `referenceId`).
    pub(crate) fn api_keys(
        schema: &Schema,
        api_key_columns: Vec<ColumnInfo>,
        user_columns: Vec<ColumnInfo>,
    ) -> Result<Self, ConfigError> {
        Self::build(
            schema,
            Model::ApiKey,
            &REQUIRED_API_KEY,
            ("key", "referenceId"),
            api_key_columns,
            user_columns,
        )
    }

    fn build(
        schema: &Schema,
        primary: Model,
        required_primary: &[&str],
        (lookup_field, user_id_field): (&str, &str),
        primary_columns: Vec<ColumnInfo>,
        user_columns: Vec<ColumnInfo>,
    ) -> Result<Self, ConfigError> {
        let mut columns = Vec::with_capacity(primary_columns.len() + user_columns.len());
        for (model, found, required) in [
            (primary, primary_columns, required_primary),
            (Model::User, user_columns, &REQUIRED_USER[..]),
        ] {
            let table = schema.table(model);
            if found.is_empty() {
                return Err(ConfigError::MissingTable { table });
            }
            for field in required {
                let column = schema.column(model, field);
                if !found.iter().any(|info| info.name == column) {
                    return Err(ConfigError::MissingColumn {
                        table,
                        column,
                        field: (*field).to_owned(),
                    });
                }
            }
            for info in found {
                let field = schema.field(model, &info.name);
                let target = match model {
                    Model::User => Target::User(field),
                    Model::Session => Target::Session(field),
                    Model::ApiKey => Target::ApiKey(field),
                    Model::Organization
                    | Model::Member
                    | Model::Team
                    | Model::TeamMember
                    | Model::OrganizationRole => {
                        return Err(ConfigError::InvalidSchema(format!(
                            "the {} table is not read by a session or API key lookup",
                            model.name()
                        )));
                    }
                };
                columns.push(PlannedColumn { target, info });
            }
        }
        Ok(Self {
            columns,
            primary_table: schema.table(primary),
            user_table: schema.table(Model::User),
            lookup_column: schema.column(primary, lookup_field),
            primary_user_id_column: schema.column(primary, user_id_field),
            user_id_column: schema.column(Model::User, "id"),
        })
    }

    /// The planned column of the looked-up table (session or API key) holding `field`.
    pub(crate) fn primary_column(&self, field: &str) -> Option<&PlannedColumn> {
        self.columns.iter().find(|column| match &column.target {
            Target::Session(name) | Target::ApiKey(name) => name == field,
            Target::User(_) => false,
        })
    }

    /// The session refresh: `UPDATE session SET expiresAt = <1>, updatedAt = <2> WHERE token =
    /// <3> AND expiresAt <= <4> AND expiresAt > <5>` (due, and not over: a session that ended,
    /// or that Better Auth ended by setting its `expiresAt` to the sign-out time, is never
    /// extended). `time_param(column, n)` writes parameter `n` as a value of that date column
    /// (`None`: not writable), `param(n)` a plain one.
    pub(crate) fn extend_sql(
        &self,
        quote: impl Fn(&str) -> String,
        time_param: impl Fn(&PlannedColumn, usize) -> Option<String>,
        param: impl Fn(usize) -> String,
    ) -> Option<String> {
        let expires_at = self.primary_column("expiresAt")?;
        let updated_at = self.primary_column("updatedAt")?;
        let expires = quote(&expires_at.info.name);
        Some(format!(
            "UPDATE {} SET {expires} = {}, {} = {} WHERE {} = {} AND {expires} <= {} AND {expires} > {}",
            quote(&self.primary_table),
            time_param(expires_at, 1)?,
            quote(&updated_at.info.name),
            time_param(updated_at, 2)?,
            quote(&self.lookup_column),
            param(3),
            time_param(expires_at, 4)?,
            time_param(expires_at, 5)?,
        ))
    }

    /// The SQL text: `SELECT <exprs> FROM session p JOIN user u ON ... WHERE p.token = <param>`.
    /// `expr` writes each column's select expression from its qualified, quoted name.
    pub(crate) fn select_sql(
        &self,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        param: &str,
    ) -> String {
        self.select_sql_with_join("INNER JOIN", quote, expr, param)
    }

    /// The looked-up table (`session`, `apikey`), as named in the database.
    pub(crate) fn primary_table(&self) -> &str {
        &self.primary_table
    }

    /// The column the lookup matches (`token`, `key`), as named in the database.
    pub(crate) fn lookup_column(&self) -> &str {
        &self.lookup_column
    }

    /// [`select_sql`](Self::select_sql) with another join (`LEFT JOIN`: the row even when its
    /// user is missing, the user's columns then NULL).
    pub(crate) fn select_sql_with_join(
        &self,
        join: &str,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        param: &str,
    ) -> String {
        self.select_sql_where(join, quote, expr, |column| format!("{column} = {param}"))
    }

    /// [`select_sql`](Self::select_sql) for several values at once: the same columns and join,
    /// with `condition` written from the qualified, quoted lookup column (`p."token" =
    /// ANY($1)`, `` p.`token` IN (?, ?) ``).
    pub(crate) fn select_many_sql(
        &self,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        condition: impl FnOnce(&str) -> String,
    ) -> String {
        self.select_sql_where("INNER JOIN", quote, expr, condition)
    }

    /// The looked-up table's row alone, no join: `SELECT <its columns> FROM apikey AS p WHERE
    /// p.key = <param>` (the API key lookup: its user, when it has one, is looked up by
    /// [`select_user_sql`](Self::select_user_sql), never joined by a column of another type).
    pub(crate) fn select_primary_sql(
        &self,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        param: &str,
    ) -> String {
        let exprs: Vec<String> = self
            .primary_columns()
            .map(|column| expr(column, &format!("p.{}", quote(&column.info.name))))
            .collect();
        format!(
            "SELECT {} FROM {} AS p WHERE p.{} = {param}",
            exprs.join(", "),
            quote(&self.primary_table),
            quote(&self.lookup_column),
        )
    }

    /// A user by id: `SELECT <the user's columns> FROM user AS u WHERE u.id = <param>`;
    /// `param(data_type)` writes the parameter compared with the id column of that type.
    pub(crate) fn select_user_sql(
        &self,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        param: impl FnOnce(&str) -> String,
    ) -> String {
        let exprs: Vec<String> = self
            .user_columns()
            .map(|column| expr(column, &format!("u.{}", quote(&column.info.name))))
            .collect();
        let id_type = self
            .user_columns()
            .find(|column| column.info.name == self.user_id_column)
            .map_or("text", |column| column.info.data_type.as_str());
        format!(
            "SELECT {} FROM {} AS u WHERE u.{} = {}",
            exprs.join(", "),
            quote(&self.user_table),
            quote(&self.user_id_column),
            param(id_type),
        )
    }

    /// The columns of the looked-up table (session or API key), in order.
    pub(crate) fn primary_columns(&self) -> impl Iterator<Item = &PlannedColumn> {
        self.columns
            .iter()
            .filter(|column| !matches!(column.target, Target::User(_)))
    }

    /// The user's columns, in order.
    pub(crate) fn user_columns(&self) -> impl Iterator<Item = &PlannedColumn> {
        self.columns
            .iter()
            .filter(|column| matches!(column.target, Target::User(_)))
    }

    fn select_sql_where(
        &self,
        join: &str,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        condition: impl FnOnce(&str) -> String,
    ) -> String {
        let exprs: Vec<String> = self
            .columns
            .iter()
            .map(|column| {
                let alias = match column.target {
                    Target::Session(_) | Target::ApiKey(_) => "p",
                    Target::User(_) => "u",
                };
                expr(column, &format!("{alias}.{}", quote(&column.info.name)))
            })
            .collect();
        format!(
            "SELECT {} FROM {} AS p {join} {} AS u ON u.{} = p.{} WHERE {}",
            exprs.join(", "),
            quote(&self.primary_table),
            quote(&self.user_table),
            quote(&self.user_id_column),
            quote(&self.primary_user_id_column),
            condition(&format!("p.{}", quote(&self.lookup_column))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<ColumnInfo> {
        names
            .iter()
            .map(|name| ColumnInfo {
                name: (*name).to_owned(),
                data_type: "text".to_owned(),
            })
            .collect()
    }

    #[test]
    fn plans_and_writes_the_join() {
        let plan = Plan::new(
            &Schema::default(),
            cols(&REQUIRED_SESSION),
            cols(&[&REQUIRED_USER[..], &["role"]].concat()),
        )
        .unwrap();
        assert_eq!(plan.columns.len(), 13);
        let sql = plan.select_sql(|i| format!("\"{i}\""), |_, q| q.to_owned(), "$1");
        assert!(sql.starts_with("SELECT p.\"id\", p.\"token\""), "{sql}");
        assert!(sql.ends_with(
            "FROM \"session\" AS p INNER JOIN \"user\" AS u ON u.\"id\" = p.\"userId\" WHERE p.\"token\" = $1"
        ), "{sql}");
    }

    #[test]
    fn api_keys_and_their_users_are_read_apart() {
        let plan = Plan::api_keys(
            &Schema::default(),
            cols(&REQUIRED_API_KEY),
            cols(&[&REQUIRED_USER[..], &["role"]].concat()),
        )
        .unwrap();
        let quote = |i: &str| format!("\"{i}\"");
        assert_eq!(
            plan.select_primary_sql(quote, |_, q| q.to_owned(), "$1"),
            "SELECT p.\"id\", p.\"key\", p.\"referenceId\" FROM \"apikey\" AS p WHERE p.\"key\" = $1"
        );
        let user = plan.select_user_sql(
            quote,
            |_, q| q.to_owned(),
            |data_type| format!("$1::{data_type}"),
        );
        assert!(user.starts_with("SELECT u.\"id\", u.\"name\""), "{user}");
        assert!(
            user.ends_with("u.\"role\" FROM \"user\" AS u WHERE u.\"id\" = $1::text"),
            "{user}"
        );
    }

    #[test]
    fn writes_the_batched_lookup_from_the_same_plan() {
        let schema = Schema::snake_case().plural();
        let plan = Plan::new(
            &schema,
            cols(&[
                "id",
                "token",
                "user_id",
                "expires_at",
                "created_at",
                "updated_at",
            ]),
            cols(&[
                "id",
                "name",
                "email",
                "email_verified",
                "created_at",
                "updated_at",
            ]),
        )
        .unwrap();
        let quote = |i: &str| format!("\"{i}\"");
        let single = plan.select_sql(quote, |_, q| q.to_owned(), "$1");
        let many = plan.select_many_sql(
            quote,
            |_, q| q.to_owned(),
            |column| format!("{column} = ANY($1)"),
        );
        assert_eq!(many, single.replace("= $1", "= ANY($1)"));
        assert!(
            many.ends_with(
                "FROM \"sessions\" AS p INNER JOIN \"users\" AS u ON u.\"id\" = p.\"user_id\" \
                 WHERE p.\"token\" = ANY($1)"
            ),
            "{many}"
        );
    }

    #[test]
    fn writes_the_guarded_refresh() {
        let plan = Plan::new(
            &Schema::default(),
            cols(&REQUIRED_SESSION),
            cols(&REQUIRED_USER),
        )
        .unwrap();
        let sql = plan
            .extend_sql(
                |i| format!("\"{i}\""),
                |_, n| Some(format!("${n}::timestamptz")),
                |n| format!("${n}"),
            )
            .unwrap();
        assert_eq!(
            sql,
            "UPDATE \"session\" SET \"expiresAt\" = $1::timestamptz, \"updatedAt\" = $2::timestamptz \
             WHERE \"token\" = $3 AND \"expiresAt\" <= $4::timestamptz \
             AND \"expiresAt\" > $5::timestamptz"
        );
        assert!(
            plan.extend_sql(|i| i.to_owned(), |_, _| None, |n| n.to_string())
                .is_none()
        );
    }

    #[test]
    fn names_what_is_missing() {
        let missing_table = Plan::new(&Schema::default(), vec![], cols(&REQUIRED_USER));
        assert!(
            matches!(missing_table, Err(ConfigError::MissingTable { table }) if table == "session")
        );
        let missing_column = Plan::new(
            &Schema::default(),
            cols(&["id", "token", "userId", "createdAt", "updatedAt"]),
            cols(&REQUIRED_USER),
        );
        assert!(matches!(
            missing_column,
            Err(ConfigError::MissingColumn { column, .. }) if column == "expiresAt"
        ));
    }
}
