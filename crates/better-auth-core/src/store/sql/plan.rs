//! The session-join-user query, planned once at startup from the live table layout.

use crate::{
    config::ConfigError,
    store::{Model, Schema},
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
}

/// A planned column: what it fills and how the database describes it.
#[derive(Debug, Clone)]
pub(crate) struct PlannedColumn {
    pub(crate) target: Target,
    pub(crate) info: ColumnInfo,
}

/// The lookup query's parts: every column of both tables, session first.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) columns: Vec<PlannedColumn>,
    session_table: String,
    user_table: String,
    token_column: String,
    session_user_id_column: String,
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

impl Plan {
    /// Plans the lookup from the columns found in the session and user tables, or says which
    /// table or column is missing.
    pub(crate) fn new(
        schema: &Schema,
        session_columns: Vec<ColumnInfo>,
        user_columns: Vec<ColumnInfo>,
    ) -> Result<Self, ConfigError> {
        let mut columns = Vec::with_capacity(session_columns.len() + user_columns.len());
        for (model, found, required) in [
            (Model::Session, session_columns, &REQUIRED_SESSION),
            (Model::User, user_columns, &REQUIRED_USER),
        ] {
            let table = schema.table(model);
            if found.is_empty() {
                return Err(ConfigError::MissingTable { table });
            }
            for field in required.iter() {
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
                };
                columns.push(PlannedColumn { target, info });
            }
        }
        Ok(Self {
            columns,
            session_table: schema.table(Model::Session),
            user_table: schema.table(Model::User),
            token_column: schema.column(Model::Session, "token"),
            session_user_id_column: schema.column(Model::Session, "userId"),
            user_id_column: schema.column(Model::User, "id"),
        })
    }

    /// The SQL text: `SELECT <exprs> FROM session s JOIN user u ON ... WHERE s.token = <param>`.
    /// `expr` writes each column's select expression from its qualified, quoted name.
    pub(crate) fn select_sql(
        &self,
        quote: impl Fn(&str) -> String,
        expr: impl Fn(&PlannedColumn, &str) -> String,
        param: &str,
    ) -> String {
        let exprs: Vec<String> = self
            .columns
            .iter()
            .map(|column| {
                let alias = match column.target {
                    Target::Session(_) => "s",
                    Target::User(_) => "u",
                };
                expr(column, &format!("{alias}.{}", quote(&column.info.name)))
            })
            .collect();
        format!(
            "SELECT {} FROM {} AS s INNER JOIN {} AS u ON u.{} = s.{} WHERE s.{} = {param}",
            exprs.join(", "),
            quote(&self.session_table),
            quote(&self.user_table),
            quote(&self.user_id_column),
            quote(&self.session_user_id_column),
            quote(&self.token_column),
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
        assert!(sql.starts_with("SELECT s.\"id\", s.\"token\""), "{sql}");
        assert!(sql.ends_with(
            "FROM \"session\" AS s INNER JOIN \"user\" AS u ON u.\"id\" = s.\"userId\" WHERE s.\"token\" = $1"
        ), "{sql}");
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
