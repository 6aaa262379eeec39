//! `SessionStore::find_sessions` on the REAL backends (PostgreSQL, MariaDB/MySQL, SQLite,
//! Redis): a batch answers each token as `find_session` does, in the order asked, in one round
//! trip (one statement, one `MGET` per stage); the backend failing fails every token, and a
//! value that is not a session is that token's answer alone.
//!
//! The rows are the test kit's, written as Better Auth writes them (`write_to_database`) into
//! tables laid out as Better Auth's migrations create them; Redis gets Better Auth's
//! secondary-storage JSON.

use std::sync::Arc;

use better_auth_core::{
    BackendError, Session, SessionRecord, User,
    store::SessionStore,
    store::{
        MySqlStore, PostgresStore, RedisOptions, RedisStore, SessionQuery, SqlOptions, SqliteStore,
    },
};
use better_auth_testkit::TestAuth;
use better_auth_tests::{
    db::TestDb, postgres::TempDatabase, proxy::TcpProxy, services::redis_url, unique_suffix,
};
use redis::AsyncCommands;
use serde_json::json;
use sqlx::Executor;

/// The batch's answers for `tokens` (no client), or the first token's error.
async fn ask(
    store: &dyn SessionStore,
    tokens: &[&str],
) -> Result<Vec<Option<SessionRecord>>, BackendError> {
    store
        .find_sessions(&SessionQuery::all(tokens))
        .await
        .into_iter()
        .collect()
}

/// Whether every token of the batch got an error (the backend itself failed).
async fn every_token_failed(store: &dyn SessionStore, tokens: &[&str]) -> bool {
    let answers = store.find_sessions(&SessionQuery::all(tokens)).await;
    answers.len() == tokens.len() && answers.iter().all(Result::is_err)
}

/// Better Auth's tables as its migrations create them, per backend.
const POSTGRES_TABLES: [&str; 2] = [
    r#"CREATE TABLE "user" ("id" text NOT NULL PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE,
       "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL,
       "updatedAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL)"#,
    r#"CREATE TABLE "session" ("id" text NOT NULL PRIMARY KEY, "expiresAt" timestamptz NOT NULL,
       "token" text NOT NULL UNIQUE, "createdAt" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL,
       "updatedAt" timestamptz NOT NULL, "ipAddress" text, "userAgent" text,
       "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE)"#,
];
const MYSQL_TABLES: [&str; 2] = [
    "CREATE TABLE `user` (`id` varchar(36) NOT NULL PRIMARY KEY, `name` text NOT NULL,
       `email` varchar(255) NOT NULL UNIQUE, `emailVerified` boolean NOT NULL, `image` text,
       `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL,
       `updatedAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL)",
    "CREATE TABLE `session` (`id` varchar(36) NOT NULL PRIMARY KEY, `expiresAt` timestamp(3) NOT NULL,
       `token` varchar(255) NOT NULL UNIQUE, `createdAt` timestamp(3) DEFAULT CURRENT_TIMESTAMP(3) NOT NULL,
       `updatedAt` timestamp(3) NOT NULL, `ipAddress` text, `userAgent` text,
       `userId` varchar(36) NOT NULL REFERENCES `user` (`id`) ON DELETE CASCADE)",
];
const SQLITE_TABLES: [&str; 2] = [
    r#"CREATE TABLE "user" ("id" text not null primary key, "name" text not null, "email" text not null unique,
       "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null)"#,
    r#"CREATE TABLE "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique,
       "createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text,
       "userId" text not null references "user" ("id") on delete cascade)"#,
];

/// The kit's sessions: live ones of two users, and an expired one.
struct Sessions {
    kit: TestAuth,
    live: Vec<String>,
    expired: String,
    /// Every session with its user.
    rows: Vec<(Session, User)>,
}

/// `live` live sessions (alternating between two users) and one expired session.
fn sessions(live: usize) -> Sessions {
    let kit = TestAuth::new();
    let alice = kit.user("batch-alice@example.com").name("Alice").create();
    let bob = kit.user("batch-bob@example.com").name("Bob 🎉").create();
    let mut rows = Vec::new();
    let live = (0..live)
        .map(|n| {
            let user = if n % 2 == 0 { &alice } else { &bob };
            let session = kit.session(user).create();
            rows.push((session.session().clone(), user.clone()));
            session.token().to_owned()
        })
        .collect();
    let expired = kit.session(&alice).expired().create();
    rows.push((expired.session().clone(), alice.clone()));
    Sessions {
        kit,
        live,
        expired: expired.token().to_owned(),
        rows,
    }
}

/// A token of the same letters in the other case.
fn flip_case(token: &str) -> String {
    let flipped: String = token
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    assert_ne!(flipped, token, "the token has letters");
    flipped
}

/// Creates Better Auth's tables in `db` and writes the kit's rows.
async fn write(db: &TestDb, sessions: &Sessions) {
    match db {
        TestDb::Postgres(database) => {
            let pool = database.pool().await;
            for sql in POSTGRES_TABLES {
                pool.execute(sql).await.unwrap();
            }
            pool.close().await;
        }
        TestDb::MySql(database) => {
            let pool = database.pool().await;
            for sql in MYSQL_TABLES {
                pool.execute(sql).await.unwrap();
            }
            pool.close().await;
        }
        TestDb::Sqlite { path, .. } => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            for sql in SQLITE_TABLES {
                pool.execute(sql).await.unwrap();
            }
            pool.close().await;
        }
    }
    sessions.kit.write_to_database(&db.url()).await.unwrap();
}

/// A SQL store on `db` with a pool of `connections`.
async fn sql_store(db: &TestDb, connections: u32) -> Arc<dyn SessionStore> {
    let options = SqlOptions::default().max_connections(connections);
    let url = db.url();
    match db {
        TestDb::Postgres(_) => Arc::new(PostgresStore::connect(&url, options).await.unwrap()),
        TestDb::MySql(_) => Arc::new(MySqlStore::connect(&url, options).await.unwrap()),
        TestDb::Sqlite { .. } => Arc::new(SqliteStore::connect(&url, options).await.unwrap()),
    }
}

/// Asks `asked` as one batch and checks every answer against `find_session` for the same
/// token (except the positions in `not_byte_equal`, which must be `None`); returns the batch.
async fn batch_agrees(
    store: &dyn SessionStore,
    asked: &[&str],
    not_byte_equal: &[usize],
) -> Vec<Option<SessionRecord>> {
    let batch = ask(store, asked).await.unwrap();
    assert_eq!(batch.len(), asked.len(), "one answer per token");
    for (index, (token, answer)) in asked.iter().zip(&batch).enumerate() {
        if not_byte_equal.contains(&index) {
            assert_eq!(
                answer, &None,
                "position {index}: {token} is no stored token"
            );
            continue;
        }
        let single = store.find_session(token).await.unwrap();
        assert_eq!(answer, &single, "position {index}: {token}");
        if let Some(record) = answer {
            assert_eq!(record.session.token, *token, "position {index}");
        }
    }
    batch
}

/// The mix: live tokens, a missing one, a duplicate, the expired one (and, given, a token
/// differing only in case from a live one, which no session answers).
async fn answers_like_single_lookups(store: &dyn SessionStore, s: &Sessions, case: bool) {
    let flipped = flip_case(&s.live[1]);
    let mut asked = vec![
        s.live[2].as_str(),
        "no-such-token",
        s.live[0].as_str(),
        s.expired.as_str(),
        s.live[2].as_str(),
        s.live[1].as_str(),
    ];
    let mut not_byte_equal = vec![];
    if case {
        asked.push(&flipped);
        not_byte_equal.push(asked.len() - 1);
    }
    let batch = batch_agrees(store, &asked, &not_byte_equal).await;
    let token = |index: usize| batch[index].as_ref().map(|r| r.session.token.clone());
    assert_eq!(token(0).as_deref(), Some(s.live[2].as_str()));
    assert_eq!(token(1), None);
    assert_eq!(token(2).as_deref(), Some(s.live[0].as_str()));
    assert_eq!(
        token(3).as_deref(),
        Some(s.expired.as_str()),
        "expired sessions too"
    );
    assert!(batch[3].as_ref().unwrap().session.expires_at < chrono::Utc::now());
    assert_eq!(
        batch[4], batch[0],
        "a duplicate is answered at each position"
    );
    assert_eq!(token(5).as_deref(), Some(s.live[1].as_str()));
    assert_eq!(batch[5].as_ref().unwrap().user.name, "Bob 🎉");
    assert_eq!(batch[0].as_ref().unwrap().user.name, "Alice");
}

/// No tokens, no answers; 200 tokens (beyond the 128 bucket) and 1100 (beyond the largest,
/// 1024: asked in chunks) are answered at the right positions.
async fn empty_and_large_batches(store: &dyn SessionStore, s: &Sessions) {
    assert!(ask(store, &[]).await.unwrap().is_empty());
    for size in [200, 1100] {
        let misses: Vec<String> = (0..size).map(|n| format!("missing-{n}")).collect();
        let mut asked: Vec<&str> = misses.iter().map(String::as_str).collect();
        let placed = [(0, 0), (137, 1), (size - 1, 2), (size / 2, 0)];
        for (position, live) in placed {
            asked[position] = &s.live[live];
        }
        if size > 1024 {
            asked[1030] = &s.expired;
        }
        let batch = ask(store, &asked).await.unwrap();
        assert_eq!(batch.len(), size);
        for (index, (token, answer)) in asked.iter().zip(&batch).enumerate() {
            let expected = !token.starts_with("missing-");
            assert_eq!(answer.is_some(), expected, "position {index} of {size}");
            if let Some(record) = answer {
                assert_eq!(record.session.token, *token, "position {index} of {size}");
            }
        }
    }
}

async fn sql_answers(db: TestDb, case: bool) {
    let s = sessions(4);
    write(&db, &s).await;
    let store = sql_store(&db, 4).await;
    if case {
        let flipped = flip_case(&s.live[1]);
        assert!(
            store.find_session(&flipped).await.unwrap().is_some(),
            "the collation is case-insensitive (else the case check checks nothing)"
        );
    }
    answers_like_single_lookups(store.as_ref(), &s, case).await;
    empty_and_large_batches(store.as_ref(), &s).await;
}

#[tokio::test]
async fn postgres_batches_answer_like_single_lookups() {
    sql_answers(TestDb::postgres().await, false).await;
}

/// MariaDB's default collation compares case-insensitively: `find_session` of a token in the
/// other case finds the session, the batch does not.
#[tokio::test]
async fn mysql_batches_answer_like_single_lookups_byte_for_byte() {
    sql_answers(TestDb::mysql().await, true).await;
}

#[tokio::test]
async fn sqlite_batches_answer_like_single_lookups() {
    sql_answers(TestDb::sqlite(), false).await;
}

/// The statements the one connection of `pool` has run, read on that connection; the read
/// itself adds the same few each time.
async fn postgres_commits(pool: &sqlx::PgPool) -> i64 {
    // Our own backend's counters reach pg_stat_database when it goes idle after this.
    pool.execute("SELECT pg_stat_force_next_flush()")
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn mysql_selects(pool: &sqlx::MySqlPool) -> i64 {
    let (_, value): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Com_select'")
        .fetch_one(pool)
        .await
        .unwrap();
    value.parse().unwrap()
}

/// The round trips of `lookups` through `count` (which adds the same overhead each call):
/// measured twice empty to subtract that overhead.
async fn round_trips<C, F>(count: impl Fn() -> C, lookups: impl Fn() -> F) -> i64
where
    C: Future<Output = i64>,
    F: Future<Output = ()>,
{
    lookups().await; // prepared statements cached, the lookups' and the count's
    count().await;
    let first = count().await;
    let second = count().await;
    lookups().await;
    let third = count().await;
    (third - second) - (second - first)
}

/// 50 tokens: one statement (PostgreSQL counts each in `xact_commit`), against 50 unbatched.
#[tokio::test]
async fn postgres_batch_of_50_is_one_statement() {
    let db = TestDb::postgres().await;
    let s = sessions(50);
    write(&db, &s).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.url())
        .await
        .unwrap();
    let store = PostgresStore::from_pool(pool.clone(), SqlOptions::default())
        .await
        .unwrap();
    let asked: Vec<&str> = s.live.iter().map(String::as_str).collect();
    let batched = round_trips(
        || postgres_commits(&pool),
        || async {
            let batch = ask(&store, &asked).await.unwrap();
            assert!(batch.iter().all(Option::is_some));
        },
    )
    .await;
    let unbatched = round_trips(
        || postgres_commits(&pool),
        || async {
            for token in &asked {
                assert!(store.find_session(token).await.unwrap().is_some());
            }
        },
    )
    .await;
    // Autovacuum may add a commit or two to the database's counter; the unbatched path adds 50.
    assert!(
        unbatched >= 50,
        "the measure counts statements: {unbatched}"
    );
    assert!(batched <= 2, "a batch of 50 took {batched} statements");
    assert!(batched >= 1, "{batched}");
}

/// 50 tokens: one `SELECT` on the store's one connection (MariaDB's session `Com_select`).
#[tokio::test]
async fn mysql_batch_of_50_is_one_select() {
    let db = TestDb::mysql().await;
    let s = sessions(50);
    write(&db, &s).await;
    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&db.url())
        .await
        .unwrap();
    let store = MySqlStore::from_pool(pool.clone(), SqlOptions::default())
        .await
        .unwrap();
    let asked: Vec<&str> = s.live.iter().map(String::as_str).collect();
    let batched = round_trips(
        || mysql_selects(&pool),
        || async {
            let batch = ask(&store, &asked).await.unwrap();
            assert!(batch.iter().all(Option::is_some));
        },
    )
    .await;
    let unbatched = round_trips(
        || mysql_selects(&pool),
        || async {
            for token in &asked {
                assert!(store.find_session(token).await.unwrap().is_some());
            }
        },
    )
    .await;
    assert_eq!(unbatched, 50, "the measure counts selects");
    assert_eq!(batched, 1, "a batch of 50 is one select");
}

/// A closed pool (the backend gone): every token of the batch is an error, live tokens
/// included; an empty batch still answers, without asking.
async fn sql_failure(db: TestDb) {
    let s = sessions(2);
    write(&db, &s).await;
    let url = db.url();
    let options = SqlOptions::default();
    let asked = [s.live[0].as_str(), "no-such-token", s.live[1].as_str()];
    let (error, empty) = match &db {
        TestDb::Postgres(_) => {
            let store = PostgresStore::connect(&url, options).await.unwrap();
            assert_eq!(ask(&store, &asked).await.unwrap().len(), 3);
            store.pool().close().await;
            (
                every_token_failed(&store, &asked).await,
                ask(&store, &[]).await,
            )
        }
        TestDb::MySql(_) => {
            let store = MySqlStore::connect(&url, options).await.unwrap();
            assert_eq!(ask(&store, &asked).await.unwrap().len(), 3);
            store.pool().close().await;
            (
                every_token_failed(&store, &asked).await,
                ask(&store, &[]).await,
            )
        }
        TestDb::Sqlite { .. } => {
            let store = SqliteStore::connect(&url, options).await.unwrap();
            assert_eq!(ask(&store, &asked).await.unwrap().len(), 3);
            store.pool().close().await;
            (
                every_token_failed(&store, &asked).await,
                ask(&store, &[]).await,
            )
        }
    };
    assert!(error, "a closed pool fails every token of the batch");
    assert!(empty.unwrap().is_empty(), "an empty batch asks nothing");
}

#[tokio::test]
async fn postgres_batch_fails_as_a_whole() {
    sql_failure(TestDb::postgres().await).await;
}

#[tokio::test]
async fn mysql_batch_fails_as_a_whole() {
    sql_failure(TestDb::mysql().await).await;
}

#[tokio::test]
async fn sqlite_batch_fails_as_a_whole() {
    sql_failure(TestDb::sqlite()).await;
}

/// A dropped PostgreSQL database: the batch is an error too.
#[tokio::test]
async fn postgres_batch_on_a_dropped_database_fails() {
    let database = TempDatabase::create().await;
    let pool = database.pool().await;
    for sql in POSTGRES_TABLES {
        pool.execute(sql).await.unwrap();
    }
    pool.close().await;
    let store = PostgresStore::connect(&database.url(), SqlOptions::default())
        .await
        .unwrap();
    assert_eq!(ask(&store, &["a", "b"]).await.unwrap(), [None, None]);
    drop(database); // DROP DATABASE ... WITH (FORCE): our connections are killed.
    assert!(every_token_failed(&store, &["a", "b"]).await);
}

// Redis.

fn iso(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Better Auth's secondary-storage value for a session: `{"session": ..., "user": ...}`.
fn better_auth_json(session: &Session, user: &User) -> String {
    json!({
        "session": {
            "expiresAt": iso(session.expires_at),
            "token": session.token,
            "createdAt": iso(session.created_at),
            "updatedAt": iso(session.updated_at),
            "ipAddress": session.ip_address,
            "userAgent": session.user_agent,
            "userId": session.user_id,
            "id": session.id,
        },
        "user": {
            "name": user.name,
            "email": user.email,
            "emailVerified": user.email_verified,
            "image": user.image,
            "createdAt": iso(user.created_at),
            "updatedAt": iso(user.updated_at),
            "id": user.id,
        },
    })
    .to_string()
}

async fn redis() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap_or_else(|error| {
        panic!("Redis is unreachable at REDIS_URL={url}: {error}. Start it (redis-server --daemonize yes) or set REDIS_URL.")
    })
}

/// The kit's sessions written under `prefix` as Better Auth writes them (expiring with the
/// session; the expired one gets a minute more, as Redis still holds it until its TTL ends).
async fn write_redis(s: &Sessions, prefix: &str) {
    let mut redis = redis().await;
    for (session, user) in &s.rows {
        let key = format!("{prefix}{}", session.token);
        let _: () = redis
            .set_ex(key, better_auth_json(session, user), 600)
            .await
            .unwrap();
    }
}

async fn redis_store(prefix: &str) -> RedisStore {
    RedisStore::connect(&redis_url(), RedisOptions::with_prefix(prefix))
        .await
        .unwrap()
}

/// `calls` of `command` in `INFO commandstats` (0 before the first).
async fn redis_calls(command: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut redis().await)
        .await
        .unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().unwrap())
}

#[tokio::test]
async fn redis_batches_answer_like_single_lookups() {
    let prefix = format!("ba-rs-batch-{}:", unique_suffix());
    let s = sessions(4);
    write_redis(&s, &prefix).await;
    let store = redis_store(&prefix).await;
    answers_like_single_lookups(&store, &s, false).await;
    empty_and_large_batches(&store, &s).await;

    // Better Auth's revocation mark: Bob's sessions (created before it) answer None, as
    // `find_session` says.
    let bob = s.kit.store().session(&s.live[1]).unwrap().user_id;
    let mark = chrono::Utc::now().timestamp_millis() + 1000;
    let mut redis = redis().await;
    let _: () = redis
        .set(
            format!("{prefix}revoked-sessions-before-{bob}"),
            mark.to_string(),
        )
        .await
        .unwrap();
    let asked = [s.live[0].as_str(), s.live[1].as_str(), s.live[3].as_str()];
    let batch = batch_agrees(&store, &asked, &[]).await;
    assert!(batch[0].is_some());
    assert_eq!((&batch[1], &batch[2]), (&None, &None), "revoked");

    // With `storeSessionInDatabase`: the tokens Redis lacks are one batch in the database.
    let db = TestDb::sqlite();
    let in_database = sessions(2);
    write(&db, &in_database).await;
    let layered = store.with_database_fallback(sql_store(&db, 2).await);
    let asked = [
        in_database.live[1].as_str(),
        s.live[0].as_str(),
        "no-such-token",
        in_database.live[0].as_str(),
        s.live[1].as_str(),
    ];
    let batch = batch_agrees(&layered, &asked, &[]).await;
    let found: Vec<bool> = batch.iter().map(Option::is_some).collect();
    assert_eq!(found, [true, true, false, true, false]);

    // A value that is not a session (not JSON; Better Auth's own list of a user's sessions)
    // is that token's answer alone, no session, and no database fallback: its neighbours in
    // the batch are answered as if it were not there.
    let _: () = redis
        .set(format!("{prefix}garbage"), "{not json")
        .await
        .unwrap();
    let alice = s.kit.store().session(&s.live[0]).unwrap().user_id;
    let list = format!("active-sessions-{alice}");
    let _: () = redis
        .set(
            format!("{prefix}{list}"),
            format!(r#"[{{"token":"{}","expiresAt":1}}]"#, s.live[0]),
        )
        .await
        .unwrap();
    let asked = [
        s.live[0].as_str(),
        "garbage",
        list.as_str(),
        in_database.live[0].as_str(),
    ];
    let answers = ask(&layered, &asked)
        .await
        .expect("no token fails the batch");
    let found: Vec<bool> = answers.iter().map(Option::is_some).collect();
    assert_eq!(found, [true, false, false, true]);
    assert_eq!(
        answers[0].as_ref().unwrap().session.token,
        s.live[0],
        "the live session, whatever its neighbours"
    );
    let _: () = redis
        .del(&[
            format!("{prefix}garbage"),
            format!("{prefix}{list}"),
            format!("{prefix}revoked-sessions-before-{bob}"),
        ])
        .await
        .unwrap();
}

/// 50 tokens: one `MGET` for the session keys and one for the users' revocation marks, no
/// `GET` per token. `INFO commandstats` is server-wide: this test runs in the serial group,
/// and no other test sends `MGET`.
#[tokio::test]
async fn redis_batch_of_50_is_two_mgets() {
    let prefix = format!("ba-rs-batch-{}:", unique_suffix());
    let s = sessions(50);
    write_redis(&s, &prefix).await;
    let store = redis_store(&prefix).await;
    let asked: Vec<&str> = s.live.iter().map(String::as_str).collect();
    let (mgets, gets) = (redis_calls("mget").await, redis_calls("get").await);
    let batch = ask(&store, &asked).await.unwrap();
    let (mgets, gets) = (
        redis_calls("mget").await - mgets,
        redis_calls("get").await - gets,
    );
    assert!(batch.iter().all(Option::is_some));
    assert_eq!(mgets, 2, "one MGET per stage");
    assert!(
        gets < 50,
        "{gets} GETs during the batch (other tests' included)"
    );
}

/// Redis cut off: every token of the batch is an error; an empty batch asks nothing.
#[tokio::test]
async fn redis_batch_fails_as_a_whole() {
    let prefix = format!("ba-rs-batch-{}:", unique_suffix());
    let s = sessions(2);
    write_redis(&s, &prefix).await;
    let address = url::Url::parse(&redis_url()).unwrap();
    let proxy = TcpProxy::start(&format!(
        "{}:{}",
        address.host_str().unwrap(),
        address.port().unwrap_or(6379)
    ))
    .await;
    let mut options = RedisOptions::with_prefix(&prefix);
    options.timeout = std::time::Duration::from_millis(500);
    let store = RedisStore::connect(&proxy.url_for(&redis_url()), options)
        .await
        .unwrap();
    let asked = [s.live[0].as_str(), "no-such-token", s.live[1].as_str()];
    assert_eq!(ask(&store, &asked).await.unwrap().len(), 3);
    proxy.cut();
    let answers = store.find_sessions(&SessionQuery::all(&asked)).await;
    assert_eq!(answers.len(), 3);
    for answer in answers {
        let error = answer.expect_err("no answer for any token");
        let status = better_auth_core::AuthError::from(error).status().as_u16();
        assert_eq!(status, 503);
    }
    assert!(ask(&store, &[]).await.unwrap().is_empty());
}
