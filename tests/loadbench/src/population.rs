//! The users of the skewed table: 10,000 signed in. The first few sign up through Better Auth's
//! HTTP API; the others are made with the testkit's builders (ids and tokens of 32 letters and
//! digits, millisecond timestamps, 7-day sessions, cookies signed with the secret) and written in
//! bulk, one INSERT per table, with the `ipAddress`, `userAgent` and credential `account` that
//! Better Auth wrote for the first ones. Then every column of `user`, `session` and `account` is
//! compared with the rows Better Auth wrote in the same database, and Better Auth itself must
//! accept a bulk user's cookie. The credentials go to files, one a line, user 1 first: the
//! session cookies, the bearer tokens and the JWTs of the first [`JWT_USERS`].

use std::{collections::BTreeSet, path::PathBuf, time::Instant};

use better_auth_testkit::TestAuth;
use better_auth_tests::better_auth::BetterAuthServer;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use rand::{Rng, distr::Alphanumeric};
use sqlx::PgPool;

/// Users signed in.
pub(crate) const USERS: usize = 10_000;
/// Of which signed up through Better Auth's HTTP API.
const SIGNED_UP: usize = 5;
/// Users with a JWT (from Better Auth's `/token`, a few hundred a second here).
pub(crate) const JWT_USERS: usize = 1_000;
const PASSWORD: &str = "correct horse battery";
const NAME: &str = "Skewed User";

/// The credentials files, in a temporary folder that goes with it.
pub(crate) struct Population {
    dir: tempfile::TempDir,
    /// `better-auth.session_token=TOKEN.SIGNATURE` (URL-encoded), as browsers send it.
    pub(crate) cookies: PathBuf,
    /// `Bearer TOKEN.SIGNATURE` (bearer plugin).
    pub(crate) bearers: PathBuf,
    /// `Bearer <JWT>` of the first [`JWT_USERS`] users.
    pub(crate) jwts: PathBuf,
}

impl Population {
    pub(crate) fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// The rows of the users written in bulk.
#[derive(Default)]
struct Bulk {
    user_ids: Vec<String>,
    names: Vec<String>,
    emails: Vec<String>,
    created: Vec<DateTime<Utc>>,
    session_ids: Vec<String>,
    tokens: Vec<String>,
    expires: Vec<DateTime<Utc>>,
    session_created: Vec<DateTime<Utc>>,
    account_ids: Vec<String>,
}

/// Signs the users in (see the module) against the database at `url`, which `issuer` (with the
/// bearer and JWT plugins) runs on.
pub(crate) async fn populate(issuer: &BetterAuthServer, url: &str) -> Population {
    let started = Instant::now();
    let mut cookies = Vec::with_capacity(USERS);
    let mut bearers = Vec::with_capacity(USERS);
    let mut emails = Vec::new();
    for n in 0..SIGNED_UP {
        let email = format!("skewed-{n}@example.com");
        let signed = issuer.sign_up(&email, PASSWORD, NAME).await;
        cookies.push(signed.cookie_header());
        bearers.push(format!(
            "Bearer {}",
            signed.auth_token.expect("set-auth-token (bearer plugin)")
        ));
        emails.push(email);
    }
    let pool = PgPool::connect(url).await.expect("the bench database");
    // What Better Auth wrote that the kit does not make: the session's client fields, and the
    // credential account's password hash (same password, so the same hash fits every user).
    let (ip_address, user_agent, password): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as(
            r#"SELECT s."ipAddress", s."userAgent", a."password" FROM "user" u
               JOIN "session" s ON s."userId" = u."id"
               JOIN "account" a ON a."userId" = u."id" AND a."providerId" = 'credential'
               WHERE u."email" = $1"#,
        )
        .bind(&emails[0])
        .fetch_one(&pool)
        .await
        .expect("the rows of Better Auth's first sign-up");

    let kit = TestAuth::with_config(better_auth_tests::test_config());
    let mut bulk = Bulk::default();
    for n in SIGNED_UP..USERS {
        let user = kit
            .user(&format!("skewed-{n}@example.com"))
            .name(NAME)
            .create();
        let session = kit.session(&user).create();
        cookies.push(session.cookie());
        bearers.push(session.bearer());
        let row = session.session();
        bulk.user_ids.push(user.id.clone());
        bulk.names.push(user.name.clone());
        bulk.emails.push(user.email.clone());
        bulk.created.push(user.created_at);
        bulk.session_ids.push(row.id.clone());
        bulk.tokens.push(row.token.clone());
        bulk.expires.push(row.expires_at);
        bulk.session_created.push(row.created_at);
        // Better Auth's ids: 32 letters and digits.
        bulk.account_ids.push(
            rand::rng()
                .sample_iter(Alphanumeric)
                .take(32)
                .map(char::from)
                .collect(),
        );
    }
    let written = Instant::now();
    insert(&pool, &bulk, ip_address, user_agent, password).await;
    let insert_ms = written.elapsed().as_millis();
    let compared = compare(&pool, &emails).await;

    // Better Auth reads a bulk row as its own.
    let last = cookies.last().expect("users");
    let session = issuer.get_session(last).await;
    assert_eq!(
        session["user"]["email"].as_str(),
        Some(format!("skewed-{}@example.com", USERS - 1).as_str()),
        "Better Auth does not accept a bulk-written session: {session}"
    );
    let jwts: Vec<String> = futures::stream::iter(cookies.iter().take(JWT_USERS))
        .map(|cookie| async move { format!("Bearer {}", issuer.get_jwt(cookie).await) })
        .buffered(8)
        .collect()
        .await;
    pool.close().await;

    let dir = tempfile::Builder::new()
        .prefix("ba-rs-bench-users")
        .tempdir()
        .expect("a temporary folder");
    let write = |name: &str, lines: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").expect("write a credentials file");
        path
    };
    let population = Population {
        cookies: write("cookies.txt", &cookies),
        bearers: write("bearers.txt", &bearers),
        jwts: write("jwts.txt", &jwts),
        dir,
    };
    println!(
        "population: {USERS} users signed in in {:.1} s: {SIGNED_UP} through Better Auth's sign-up, {} written in one INSERT per table ({insert_ms} ms); {compared}; Better Auth accepts a bulk cookie; {JWT_USERS} JWTs from /token",
        started.elapsed().as_secs_f64(),
        USERS - SIGNED_UP,
    );
    population
}

/// One INSERT per table: `user`, `session`, `account`, from arrays.
async fn insert(
    pool: &PgPool,
    bulk: &Bulk,
    ip_address: Option<String>,
    user_agent: Option<String>,
    password: Option<String>,
) {
    let count = bulk.user_ids.len();
    let mut transaction = pool.begin().await.expect("a transaction");
    sqlx::query(
        r#"INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
           SELECT id, name, email, false, NULL, created, created
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS t(id, name, email, created)"#,
    )
    .bind(&bulk.user_ids)
    .bind(&bulk.names)
    .bind(&bulk.emails)
    .bind(&bulk.created)
    .execute(&mut *transaction)
    .await
    .expect("insert the users");
    sqlx::query(
        r#"INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
           SELECT id, expires, token, created, created, $5, $6, user_id
           FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $7::text[])
             AS t(id, expires, token, created, user_id)"#,
    )
    .bind(&bulk.session_ids)
    .bind(&bulk.expires)
    .bind(&bulk.tokens)
    .bind(&bulk.session_created)
    .bind(ip_address)
    .bind(user_agent)
    .bind(&bulk.user_ids)
    .execute(&mut *transaction)
    .await
    .expect("insert the sessions");
    sqlx::query(
        r#"INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt")
           SELECT id, user_id, 'credential', user_id, $3, created, created
           FROM UNNEST($1::text[], $2::text[], $4::timestamptz[]) AS t(id, user_id, created)"#,
    )
    .bind(&bulk.account_ids)
    .bind(&bulk.user_ids)
    .bind(password)
    .bind(&bulk.created)
    .execute(&mut *transaction)
    .await
    .expect("insert the accounts");
    transaction.commit().await.expect("commit the users");
    debug_assert_eq!(count, USERS - SIGNED_UP);
}

/// The shape of a column's value, in SQL: NULL or not, its type's detail (timestamps to the
/// millisecond or finer), 32 letters and digits, or the text with its hexadecimal runs and
/// numbers blanked (`skewed-N@example.com`, a password hash `HEX:HEX`).
fn shape(column: &str, data_type: &str) -> String {
    let c = format!("\"{column}\"");
    match data_type {
        "timestamp with time zone" | "timestamp without time zone" => format!(
            "CASE WHEN {c} IS NULL THEN 'NULL' WHEN extract(microseconds FROM {c})::bigint % 1000 = 0 \
             THEN '{data_type}, milliseconds' ELSE '{data_type}, microseconds' END"
        ),
        _ => format!(
            "CASE WHEN {c} IS NULL THEN 'NULL' WHEN {c}::text ~ '^[A-Za-z0-9]{{32}}$' \
             THEN '{data_type}, 32 letters and digits' \
             ELSE '{data_type}: ' || regexp_replace(regexp_replace({c}::text, '[0-9a-f]{{16,}}', 'HEX', 'g'), '[0-9]+', 'N', 'g') END"
        ),
    }
}

/// Every column of `user`, `session` and `account`: the shapes of Better Auth's rows (users
/// `emails`) and of the bulk rows must be the same sets. Also the sessions' lifetime, in minutes.
/// Panics on a difference; says what it compared.
async fn compare(pool: &PgPool, emails: &[String]) -> String {
    let mut summary = Vec::new();
    for (table, owner) in [
        ("user", r#""email""#),
        (
            "session",
            r#"(SELECT "email" FROM "user" WHERE "id" = "userId")"#,
        ),
        (
            "account",
            r#"(SELECT "email" FROM "user" WHERE "id" = "userId")"#,
        ),
    ] {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("the columns");
        let mut shapes: Vec<(String, String)> = columns
            .iter()
            .map(|(column, data_type)| (column.clone(), shape(column, data_type)))
            .collect();
        if table == "session" {
            shapes.push((
                "expiresAt - createdAt".to_owned(),
                r#"round(extract(epoch FROM "expiresAt" - "createdAt") / 60)::text || ' minutes'"#
                    .to_owned(),
            ));
        }
        for (column, expression) in &shapes {
            let of = |better_auth: bool| {
                // Our table and column names; the emails are bound.
                // Only this population's rows (`skewed-N@example.com`): the one-user table's
                // user shares the database.
                let sql = format!(
                    "SELECT DISTINCT {expression} FROM \"{table}\" \
                     WHERE ({owner} = ANY($1)) = $2 AND {owner} LIKE 'skewed-%@example.com'"
                );
                async move {
                    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
                        .bind(emails)
                        .bind(better_auth)
                        .fetch(pool)
                        .try_collect::<BTreeSet<String>>()
                        .await
                        .expect("the shapes of a column")
                }
            };
            let (theirs, ours) = (of(true).await, of(false).await);
            assert_eq!(
                theirs, ours,
                "{table}.{column}: Better Auth wrote {theirs:?}, the bulk rows {ours:?}"
            );
        }
        summary.push(format!("{table} ({} columns)", columns.len()));
    }
    format!(
        "{} compared column by column with Better Auth's rows: the same",
        summary.join(", ")
    )
}
