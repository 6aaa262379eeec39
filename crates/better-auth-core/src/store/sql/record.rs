//! Turning the cells of one row into a [`SessionRecord`], whatever the backend's types:
//! booleans as `true`/`1`, dates as timestamps or ISO-8601 text, ids as text or integers.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::Target;
use crate::{
    js::iso_string,
    model::{ApiKey, Session, SessionRecord, User},
};

/// One value read from a row, in the few shapes the backends produce (SQLite only produces
/// the untyped ones).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Time(DateTime<Utc>),
    Json(Value),
}

/// Each decoded type into its cell.
macro_rules! cell_from {
    ($($variant:ident($type:ty)),* $(,)?) => {
        $(impl From<$type> for Cell {
            fn from(value: $type) -> Self {
                Cell::$variant(value)
            }
        })*
    };
}

cell_from!(
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Time(DateTime<Utc>),
    Json(Value),
);

/// SQL `NULL` is [`Cell::Null`].
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Null, Into::into)
    }
}

impl Cell {
    pub(crate) fn into_string(self, field: &str) -> Result<Option<String>, String> {
        match self {
            Cell::Null => Ok(None),
            Cell::Text(text) => Ok(Some(text)),
            Cell::Int(number) => Ok(Some(number.to_string())),
            other => Err(format!("{field}: expected text, found {other:?}")),
        }
    }

    fn into_bool(self, field: &str) -> Result<Option<bool>, String> {
        match self {
            Cell::Null => Ok(None),
            Cell::Bool(value) => Ok(Some(value)),
            Cell::Int(0) => Ok(Some(false)),
            Cell::Int(1) => Ok(Some(true)),
            Cell::Text(text) if text == "true" || text == "1" => Ok(Some(true)),
            Cell::Text(text) if text == "false" || text == "0" => Ok(Some(false)),
            other => Err(format!("{field}: expected a boolean, found {other:?}")),
        }
    }

    pub(crate) fn into_time(self, field: &str) -> Result<Option<DateTime<Utc>>, String> {
        match self {
            Cell::Null => Ok(None),
            Cell::Time(time) => Ok(Some(time)),
            Cell::Text(text) => parse_time(&text)
                .map(Some)
                .ok_or_else(|| format!("{field}: {text:?} is not a date")),
            Cell::Int(number) => epoch_time(number)
                .map(Some)
                .ok_or_else(|| format!("{field}: {number} is out of range for a date")),
            other => Err(format!("{field}: expected a date, found {other:?}")),
        }
    }

    /// The JSON form of an extra column: dates as JavaScript's `toISOString()` writes them.
    fn into_json(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(value) => Value::Bool(value),
            Cell::Int(number) => Value::from(number),
            Cell::Float(number) => Value::from(number),
            Cell::Text(text) => Value::String(text),
            Cell::Time(time) => Value::String(iso_string(time)),
            Cell::Json(value) => value,
        }
    }
}

/// Parses the text forms of dates seen in Better Auth databases: ISO-8601 with an offset
/// (`toISOString()`), or without one (`2026-11-25 12:32:02.765`, read as UTC).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    None
}

/// A date stored as a number: milliseconds since the epoch (Drizzle's `timestamp_ms`), or
/// seconds (`timestamp`) when the value is too small to be milliseconds of this era.
fn epoch_time(number: i64) -> Option<DateTime<Utc>> {
    const SECONDS_LIMIT: i64 = 100_000_000_000; // year 5138 in seconds, 1973 in milliseconds
    if number.abs() < SECONDS_LIMIT {
        DateTime::from_timestamp(number, 0)
    } else {
        DateTime::from_timestamp_millis(number)
    }
}

/// Collects the cells of one row, then builds the record.
#[derive(Debug, Default)]
pub(crate) struct RecordBuilder {
    user_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    image: Option<String>,
    user_created_at: Option<DateTime<Utc>>,
    user_updated_at: Option<DateTime<Utc>>,
    role: Option<String>,
    banned: Option<bool>,
    ban_reason: Option<String>,
    ban_expires: Option<DateTime<Utc>>,
    is_anonymous: Option<bool>,
    user_extra: Map<String, Value>,

    session_id: Option<String>,
    token: Option<String>,
    session_user_id: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    session_created_at: Option<DateTime<Utc>>,
    session_updated_at: Option<DateTime<Utc>>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    impersonated_by: Option<String>,
    active_organization_id: Option<String>,
    active_team_id: Option<String>,
    session_extra: Map<String, Value>,

    api_key: Map<String, Value>,
}

impl RecordBuilder {
    /// Stores one cell where `target` says.
    pub(crate) fn set(&mut self, target: &Target, cell: Cell) -> Result<(), String> {
        match target {
            Target::User(field) => self.set_user(field, cell),
            Target::Session(field) => self.set_session(field, cell),
            Target::ApiKey(field) => self.set_api_key(field, cell),
        }
    }

    /// API key columns go to a JSON object with Better Auth's types: booleans as booleans,
    /// dates as ISO strings, then deserialize into [`ApiKey`].
    fn set_api_key(&mut self, field: &str, cell: Cell) -> Result<(), String> {
        let value = match field {
            "enabled" | "rateLimitEnabled" => {
                cell.into_bool(field)?.map_or(Value::Null, Value::Bool)
            }
            "expiresAt" | "lastRefillAt" | "lastRequest" | "createdAt" | "updatedAt" => cell
                .into_time(field)?
                .map_or(Value::Null, |time| Value::String(iso_string(time))),
            "id" | "referenceId" | "remaining" | "refillAmount" | "refillInterval" => match cell {
                Cell::Int(number) if field == "id" || field == "referenceId" => {
                    Value::String(number.to_string())
                }
                Cell::Text(text) if !matches!(field, "id" | "referenceId") => text
                    .trim()
                    .parse::<i64>()
                    .map_or(Value::String(text), Value::from),
                cell => cell.into_json(),
            },
            _ => cell.into_json(),
        };
        self.api_key.insert(field.to_owned(), value);
        Ok(())
    }

    fn set_user(&mut self, field: &str, cell: Cell) -> Result<(), String> {
        match field {
            "id" => self.user_id = cell.into_string(field)?,
            "name" => self.name = cell.into_string(field)?,
            "email" => self.email = cell.into_string(field)?,
            "emailVerified" => self.email_verified = cell.into_bool(field)?,
            "image" => self.image = cell.into_string(field)?,
            "createdAt" => self.user_created_at = cell.into_time(field)?,
            "updatedAt" => self.user_updated_at = cell.into_time(field)?,
            "role" => self.role = cell.into_string(field)?,
            "banned" => self.banned = cell.into_bool(field)?,
            "banReason" => self.ban_reason = cell.into_string(field)?,
            "banExpires" => self.ban_expires = cell.into_time(field)?,
            "isAnonymous" => self.is_anonymous = cell.into_bool(field)?,
            _ => {
                self.user_extra.insert(field.to_owned(), cell.into_json());
            }
        }
        Ok(())
    }

    fn set_session(&mut self, field: &str, cell: Cell) -> Result<(), String> {
        match field {
            "id" => self.session_id = cell.into_string(field)?,
            "token" => self.token = cell.into_string(field)?,
            "userId" => self.session_user_id = cell.into_string(field)?,
            "expiresAt" => self.expires_at = cell.into_time(field)?,
            "createdAt" => self.session_created_at = cell.into_time(field)?,
            "updatedAt" => self.session_updated_at = cell.into_time(field)?,
            "ipAddress" => self.ip_address = cell.into_string(field)?,
            "userAgent" => self.user_agent = cell.into_string(field)?,
            "impersonatedBy" => self.impersonated_by = cell.into_string(field)?,
            "activeOrganizationId" => self.active_organization_id = cell.into_string(field)?,
            "activeTeamId" => self.active_team_id = cell.into_string(field)?,
            _ => {
                self.session_extra
                    .insert(field.to_owned(), cell.into_json());
            }
        }
        Ok(())
    }

    /// The user, or which required value was NULL.
    fn take_user(&mut self) -> Result<User, String> {
        fn required<T>(value: Option<T>, what: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("{what} is NULL"))
        }
        let mut user = User::new(
            required(self.user_id.take(), "user.id")?,
            required(self.name.take(), "user.name")?,
            required(self.email.take(), "user.email")?,
        );
        user.email_verified = self.email_verified.unwrap_or(false);
        user.image = self.image.take();
        user.created_at = required(self.user_created_at, "user.createdAt")?;
        user.updated_at = required(self.user_updated_at, "user.updatedAt")?;
        user.role = self.role.take();
        user.banned = self.banned;
        user.ban_reason = self.ban_reason.take();
        user.ban_expires = self.ban_expires;
        user.is_anonymous = self.is_anonymous;
        user.extra = std::mem::take(&mut self.user_extra);
        Ok(user)
    }

    /// The session token read so far, if any.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The session record, or which required value was NULL.
    pub(crate) fn finish(mut self) -> Result<SessionRecord, String> {
        fn required<T>(value: Option<T>, what: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("{what} is NULL"))
        }
        let user = self.take_user()?;
        let mut session = Session::new(
            required(self.session_id, "session.id")?,
            required(self.token, "session.token")?,
            required(self.session_user_id, "session.userId")?,
            required(self.expires_at, "session.expiresAt")?,
        );
        session.created_at = required(self.session_created_at, "session.createdAt")?;
        session.updated_at = required(self.session_updated_at, "session.updatedAt")?;
        session.ip_address = self.ip_address;
        session.user_agent = self.user_agent;
        session.impersonated_by = self.impersonated_by;
        session.active_organization_id = self.active_organization_id;
        session.active_team_id = self.active_team_id;
        session.extra = self.session_extra;
        Ok(SessionRecord::new(session, user))
    }

    /// The API key row alone (the stored key itself dropped), or what is wrong.
    pub(crate) fn finish_api_key(mut self) -> Result<ApiKey, String> {
        let mut fields = std::mem::take(&mut self.api_key);
        fields.remove("key");
        serde_json::from_value(Value::Object(fields))
            .map_err(|error| format!("apikey row: {error}"))
    }

    /// The user alone, or which required value was NULL.
    pub(crate) fn finish_user(mut self) -> Result<User, String> {
        self.take_user()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_date_forms_seen_in_better_auth_databases() {
        let expected = Utc.with_ymd_and_hms(2026, 11, 25, 12, 32, 2).unwrap()
            + chrono::Duration::milliseconds(765);
        for text in [
            "2026-11-25T12:32:02.765Z",
            "2026-11-25T12:32:02.765+00:00",
            "2026-11-25 12:32:02.765",
            "2026-11-25T12:32:02.765",
        ] {
            assert_eq!(parse_time(text), Some(expected), "{text}");
        }
        assert_eq!(
            Cell::Int(expected.timestamp_millis())
                .into_time("t")
                .unwrap(),
            Some(expected)
        );
        assert_eq!(
            Cell::Int(expected.timestamp()).into_time("t").unwrap(),
            Some(expected - chrono::Duration::milliseconds(765))
        );
        assert!(Cell::Text("yesterday".into()).into_time("t").is_err());
    }

    #[test]
    fn iso_string_matches_javascript() {
        let time = parse_time("2026-11-25T12:32:02.765Z").unwrap();
        assert_eq!(iso_string(time), "2026-11-25T12:32:02.765Z");
        let whole = parse_time("2026-11-25T12:32:02Z").unwrap();
        assert_eq!(iso_string(whole), "2026-11-25T12:32:02.000Z");
    }

    #[test]
    fn booleans_from_integers_and_text() {
        assert_eq!(Cell::Int(1).into_bool("b").unwrap(), Some(true));
        assert_eq!(Cell::Int(0).into_bool("b").unwrap(), Some(false));
        assert_eq!(Cell::Null.into_bool("b").unwrap(), None);
        assert!(Cell::Int(2).into_bool("b").is_err());
    }

    #[test]
    fn builds_a_record_and_keeps_extras() {
        let mut b = RecordBuilder::default();
        let time = Cell::Text("2026-11-25T12:32:02.765Z".into());
        for (field, cell) in [
            ("id", Cell::Int(7)),
            ("name", Cell::Text("Zoë".into())),
            ("email", Cell::Text("z@example.com".into())),
            ("emailVerified", Cell::Int(1)),
            ("createdAt", time.clone()),
            ("updatedAt", time.clone()),
            ("role", Cell::Text("admin,editor".into())),
            ("plan", Cell::Text("pro".into())),
            (
                "lastSeen",
                Cell::Time(parse_time("2026-01-01T00:00:00Z").unwrap()),
            ),
        ] {
            b.set(&Target::User(field.into()), cell).unwrap();
        }
        for (field, cell) in [
            ("id", Cell::Text("s1".into())),
            ("token", Cell::Text("tok".into())),
            ("userId", Cell::Int(7)),
            ("expiresAt", time.clone()),
            ("createdAt", time.clone()),
            ("updatedAt", time),
            ("activeOrganizationId", Cell::Text("org".into())),
        ] {
            b.set(&Target::Session(field.into()), cell).unwrap();
        }
        let record = b.finish().unwrap();
        assert_eq!(record.user.id, "7");
        assert!(record.user.email_verified);
        assert!(record.user.has_role("editor"));
        assert_eq!(record.user.extra["plan"], "pro");
        assert_eq!(record.user.extra["lastSeen"], "2026-01-01T00:00:00.000Z");
        assert_eq!(record.session.user_id, "7");
        assert_eq!(
            record.session.active_organization_id.as_deref(),
            Some("org")
        );
    }

    #[test]
    fn a_null_required_value_is_an_error() {
        let mut b = RecordBuilder::default();
        b.set(&Target::User("id".into()), Cell::Null).unwrap();
        assert!(b.finish().unwrap_err().contains("user.id"));
    }
}
