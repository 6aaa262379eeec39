//! The kit's rows written into a real database (features `postgres`, `sqlite`, `mysql`), as
//! Better Auth writes them, for tests that run against one: the service under test reads them
//! through its SQL store, and Better Auth itself reads them back as its own.

use better_auth_core::{ApiKey, Session, User};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{TestAuth, memory_store::Snapshot};

/// What a column holds, for the SQL that writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Time,
    Bool,
    Int,
}

/// One value to write: its column, kind and text (`None`: SQL NULL).
type Cell = (String, Kind, Option<String>);

/// One row to insert.
struct Row {
    table: &'static str,
    cells: Vec<Cell>,
}

fn text(column: &str, value: impl Into<Option<String>>) -> Cell {
    (column.to_owned(), Kind::Text, value.into())
}

fn time(column: &str, value: Option<DateTime<Utc>>) -> Cell {
    (
        column.to_owned(),
        Kind::Time,
        value.map(crate::records::iso),
    )
}

fn boolean(column: &str, value: Option<bool>) -> Cell {
    (
        column.to_owned(),
        Kind::Bool,
        value.map(|value| if value { "1" } else { "0" }.to_owned()),
    )
}

fn integer(column: &str, value: Option<i64>) -> Cell {
    (
        column.to_owned(),
        Kind::Int,
        value.map(|value| value.to_string()),
    )
}

/// An additional field, written by its JSON type.
fn extra(column: &str, value: &Value) -> Cell {
    match value {
        Value::Null => text(column, None),
        Value::Bool(value) => boolean(column, Some(*value)),
        Value::Number(number) if number.is_i64() => integer(column, number.as_i64()),
        Value::String(value) => text(column, Some(value.clone())),
        other => text(column, Some(other.to_string())),
    }
}

fn user_row(user: &User) -> Row {
    let mut cells = vec![
        text("id", Some(user.id.clone())),
        text("name", Some(user.name.clone())),
        text("email", Some(user.email.clone())),
        boolean("emailVerified", Some(user.email_verified)),
        text("image", user.image.clone()),
        time("createdAt", Some(user.created_at)),
        time("updatedAt", Some(user.updated_at)),
    ];
    // The admin plugin's columns, only when set: a database without the plugin has none.
    if let Some(role) = &user.role {
        cells.push(text("role", Some(role.clone())));
    }
    if user.banned.is_some() {
        cells.push(boolean("banned", user.banned));
        cells.push(text("banReason", user.ban_reason.clone()));
        cells.push(time("banExpires", user.ban_expires));
    }
    cells.extend(user.extra.iter().map(|(name, value)| extra(name, value)));
    Row {
        table: "user",
        cells,
    }
}

fn session_row(session: &Session) -> Row {
    let mut cells = vec![
        text("id", Some(session.id.clone())),
        time("expiresAt", Some(session.expires_at)),
        text("token", Some(session.token.clone())),
        time("createdAt", Some(session.created_at)),
        time("updatedAt", Some(session.updated_at)),
        text("ipAddress", session.ip_address.clone()),
        text("userAgent", session.user_agent.clone()),
        text("userId", Some(session.user_id.clone())),
    ];
    for (column, value) in [
        ("impersonatedBy", &session.impersonated_by),
        ("activeOrganizationId", &session.active_organization_id),
        ("activeTeamId", &session.active_team_id),
    ] {
        if value.is_some() {
            cells.push(text(column, value.clone()));
        }
    }
    cells.extend(session.extra.iter().map(|(name, value)| extra(name, value)));
    Row {
        table: "session",
        cells,
    }
}

fn api_key_row(hashed: &str, key: &ApiKey) -> Row {
    let field = |name: &str| key.extra.get(name).cloned().unwrap_or(Value::Null);
    let mut cells = vec![
        text("id", Some(key.id.clone())),
        text(
            "configId",
            Some(
                key.config_id
                    .clone()
                    .unwrap_or_else(|| "default".to_owned()),
            ),
        ),
        text("name", key.name.clone()),
        text("start", key.start.clone()),
        text("referenceId", Some(key.reference_id.clone())),
        text("prefix", key.prefix.clone()),
        text("key", Some(hashed.to_owned())),
        integer("refillInterval", key.refill_interval),
        integer("refillAmount", key.refill_amount),
        time("lastRefillAt", key.last_refill_at),
        boolean("enabled", key.enabled),
        integer("remaining", key.remaining),
        time("expiresAt", key.expires_at),
        time("createdAt", key.created_at),
        text("permissions", key.permissions_json.clone()),
        // Stored as the text `null` when there is none, as the plugin does.
        text(
            "metadata",
            Some(
                key.metadata_json
                    .clone()
                    .unwrap_or_else(|| "null".to_owned()),
            ),
        ),
    ];
    cells.push(extra("rateLimitEnabled", &field("rateLimitEnabled")));
    for column in ["rateLimitTimeWindow", "rateLimitMax", "requestCount"] {
        cells.push(integer(column, field(column).as_i64()));
    }
    for column in ["lastRequest", "updatedAt"] {
        let parsed = field(column)
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|time| time.with_timezone(&Utc));
        cells.push(time(column, parsed));
    }
    Row {
        table: "apikey",
        cells,
    }
}

fn rows(snapshot: &Snapshot) -> Vec<Row> {
    let mut rows: Vec<Row> = snapshot.users.iter().map(user_row).collect();
    rows.extend(snapshot.sessions.iter().map(session_row));
    rows.extend(
        snapshot
            .api_keys
            .iter()
            .map(|(hashed, key)| api_key_row(hashed, key)),
    );
    for organization in &snapshot.organizations {
        rows.push(Row {
            table: "organization",
            cells: vec![
                text("id", Some(organization.id.clone())),
                text("name", Some(organization.name.clone())),
                text("slug", Some(organization.slug.clone())),
                text("logo", organization.logo.clone()),
                time("createdAt", Some(organization.created_at)),
                text("metadata", organization.metadata.clone()),
            ],
        });
    }
    for member in &snapshot.members {
        rows.push(Row {
            table: "member",
            cells: vec![
                text("id", Some(member.id.clone())),
                text("organizationId", Some(member.organization_id.clone())),
                text("userId", Some(member.user_id.clone())),
                text("role", Some(member.role.clone())),
                time("createdAt", Some(member.created_at)),
            ],
        });
    }
    let now = Some(Utc::now());
    for (team, organization) in &snapshot.teams {
        let members = snapshot
            .team_members
            .iter()
            .filter(|row| &row.team_id == team)
            .count();
        rows.push(Row {
            table: "team",
            cells: vec![
                text("id", Some(team.clone())),
                text("name", Some(format!("Team {team}"))),
                integer("memberCount", i64::try_from(members).ok()),
                text("organizationId", Some(organization.clone())),
                time("createdAt", now),
            ],
        });
    }
    for row in &snapshot.team_members {
        rows.push(Row {
            table: "teamMember",
            cells: vec![
                text("id", Some(row.id.clone())),
                text("teamId", Some(row.team_id.clone())),
                text("userId", Some(row.user_id.clone())),
                time("createdAt", now),
            ],
        });
    }
    for (organization, role) in &snapshot.roles {
        rows.push(Row {
            table: "organizationRole",
            cells: vec![
                text("id", Some(crate::records::new_id())),
                text("organizationId", Some(organization.clone())),
                text("role", Some(role.role.clone())),
                text("permission", Some(role.permission.clone())),
                time("createdAt", now),
            ],
        });
    }
    rows
}

/// Why the kit's rows could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum WriteError {
    /// The URL's scheme is not one of the enabled databases.
    UnsupportedDatabase(String),
    /// A table the rows need is not there (Better Auth's migrations not run, or the plugin off).
    MissingTable(&'static str),
    /// A column a row sets is not there (e.g. `role` without the admin plugin).
    MissingColumn {
        /// The table.
        table: &'static str,
        /// The column.
        column: String,
    },
    /// The database refused.
    Database(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnsupportedDatabase(scheme) => write!(
                f,
                "`{scheme}` is not an enabled database (features postgres, sqlite, mysql)"
            ),
            Self::MissingTable(table) => write!(
                f,
                "no `{table}` table: run Better Auth's migrations (with the plugin) first"
            ),
            Self::MissingColumn { table, column } => write!(
                f,
                "`{table}` has no column `{column}` (the plugin or additional field is not in this database)"
            ),
            Self::Database(error) => write!(f, "the database refused: {error}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// How one database names columns and casts values.
#[derive(Debug, Clone, Copy)]
enum Dialect {
    #[cfg(feature = "postgres")]
    Postgres,
    #[cfg(feature = "sqlite")]
    Sqlite,
    #[cfg(feature = "mysql")]
    MySql,
}

impl Dialect {
    fn quote(self, name: &str) -> String {
        match self {
            #[cfg(feature = "mysql")]
            Self::MySql => format!("`{name}`"),
            #[allow(unreachable_patterns)]
            _ => format!("\"{name}\""),
        }
    }

    /// The placeholder of parameter `n` (from 1) for a value of `kind`.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "sqlite")),
        allow(unused_variables)
    )]
    fn placeholder(self, n: usize, kind: Kind) -> String {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres => match kind {
                Kind::Text => format!("${n}"),
                Kind::Time => format!("CAST(${n} AS timestamptz)"),
                Kind::Bool => format!("CAST(${n} AS boolean)"),
                Kind::Int => format!("CAST(${n} AS bigint)"),
            },
            #[cfg(feature = "sqlite")]
            Self::Sqlite => match kind {
                Kind::Int | Kind::Bool => format!("CAST(?{n} AS INTEGER)"),
                Kind::Text | Kind::Time => format!("?{n}"),
            },
            #[cfg(feature = "mysql")]
            Self::MySql => match kind {
                // DATETIME(3) in UTC, as Better Auth's MySQL adapter writes it.
                Kind::Time => "STR_TO_DATE(?, '%Y-%m-%dT%H:%i:%s.%fZ')".to_owned(),
                Kind::Int | Kind::Bool => "CAST(? AS SIGNED)".to_owned(),
                Kind::Text => "?".to_owned(),
            },
        }
    }

    /// The query listing the columns of a table (one text column, the names).
    fn columns_sql(self, table: &str) -> String {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
            ),
            #[cfg(feature = "sqlite")]
            Self::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
            #[cfg(feature = "mysql")]
            Self::MySql => format!(
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{table}'"
            ),
        }
    }

    fn insert_sql(self, row: &Row) -> String {
        let columns: Vec<String> = row
            .cells
            .iter()
            .map(|(column, ..)| self.quote(column))
            .collect();
        let values: Vec<String> = row
            .cells
            .iter()
            .enumerate()
            .map(|(index, (_, kind, _))| self.placeholder(index + 1, *kind))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.quote(row.table),
            columns.join(", "),
            values.join(", ")
        )
    }
}

/// Writes `rows` through `pool` (any of the three databases: the values are all bound as text).
async fn write_all<DB>(
    pool: &sqlx::Pool<DB>,
    dialect: Dialect,
    rows: &[Row],
) -> Result<usize, WriteError>
where
    DB: sqlx::Database,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    usize: sqlx::ColumnIndex<<DB as sqlx::Database>::Row>,
{
    let database = |error: sqlx::Error| WriteError::Database(error.to_string());
    let mut known: std::collections::HashMap<&'static str, Vec<String>> = Default::default();
    let mut transaction = pool.begin().await.map_err(database)?;
    for row in rows {
        if !known.contains_key(row.table) {
            // Our own table names; no input reaches this SQL.
            let columns: Vec<(String,)> =
                sqlx::query_as(sqlx::AssertSqlSafe(dialect.columns_sql(row.table)))
                    .fetch_all(&mut *transaction)
                    .await
                    .map_err(database)?;
            if columns.is_empty() {
                return Err(WriteError::MissingTable(row.table));
            }
            known.insert(row.table, columns.into_iter().map(|(name,)| name).collect());
        }
        let columns = &known[row.table];
        // A NULL for a column the database lacks is no loss (an optional plugin column).
        let cells: Vec<Cell> = row
            .cells
            .iter()
            .filter(|(column, _, value)| value.is_some() || columns.contains(column))
            .cloned()
            .collect();
        if let Some((column, ..)) = cells.iter().find(|(column, ..)| !columns.contains(column)) {
            return Err(WriteError::MissingColumn {
                table: row.table,
                column: column.clone(),
            });
        }
        let row = Row {
            table: row.table,
            cells,
        };
        let sql = dialect.insert_sql(&row);
        // Our table names and the kit's column names, quoted; every value is a bound parameter.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (_, _, value) in &row.cells {
            query = query.bind(value.clone());
        }
        query.execute(&mut *transaction).await.map_err(database)?;
    }
    transaction.commit().await.map_err(database)?;
    Ok(rows.len())
}

impl TestAuth {
    /// Writes every row the kit made so far (users, sessions, API keys, organizations, members,
    /// teams, dynamic roles) into the database at `url` (`postgres://`, `sqlite://`,
    /// `mysql://`: features of the same names), as Better Auth writes them, in one transaction.
    /// The database must have Better Auth's tables (its migrations run, with the plugins the
    /// rows need); the kit's credentials then work against a service, or a Better Auth, reading
    /// it. Returns how many rows were written.
    pub async fn write_to_database(&self, url: &str) -> Result<usize, WriteError> {
        let rows = rows(&self.store().snapshot());
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let database = |error: sqlx::Error| WriteError::Database(error.to_string());
        match scheme.as_str() {
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => {
                let pool = sqlx::PgPool::connect(url).await.map_err(database)?;
                write_all(&pool, Dialect::Postgres, &rows).await
            }
            #[cfg(feature = "sqlite")]
            "sqlite" => {
                let pool = sqlx::SqlitePool::connect(url).await.map_err(database)?;
                write_all(&pool, Dialect::Sqlite, &rows).await
            }
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => {
                let pool = sqlx::MySqlPool::connect(url).await.map_err(database)?;
                write_all(&pool, Dialect::MySql, &rows).await
            }
            _ => Err(WriteError::UnsupportedDatabase(scheme)),
        }
    }
}
