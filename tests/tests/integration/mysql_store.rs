//! The MySQL store against a REAL MariaDB/MySQL (`MYSQL_URL`, a database of its own per test):
//! Better Auth's layout is covered by the interop tests; here, `datetime` columns, integer ids,
//! extra columns and the startup errors.

use better_auth_core::{
    ConfigError, Schema,
    store::SessionStore,
    store::{MySqlStore, SqlOptions},
};
use better_auth_tests::mysql::TempMySqlDatabase;
use sqlx::{Executor, MySqlPool};

async fn run(pool: &MySqlPool, sql: &str) {
    pool.execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn datetime_columns_integer_ids_and_extras() {
    let db = TempMySqlDatabase::create().await;
    let pool = db.pool().await;
    run(
        &pool,
        "CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL,
        email VARCHAR(255) NOT NULL, email_verified BOOLEAN NOT NULL, image TEXT,
        created_at DATETIME(3) NOT NULL, updated_at DATETIME(3) NOT NULL, role VARCHAR(64),
        credits DECIMAL(10,2), score DOUBLE, plan ENUM('free','pro'), settings JSON)",
    )
    .await;
    run(&pool, "CREATE TABLE sessions (id BIGINT AUTO_INCREMENT PRIMARY KEY, expires_at DATETIME(3) NOT NULL,
        token VARCHAR(255) NOT NULL UNIQUE, created_at DATETIME(3) NOT NULL, updated_at DATETIME(3) NOT NULL,
        user_id BIGINT NOT NULL, active_organization_id VARCHAR(36))").await;
    run(&pool, "INSERT INTO users VALUES (1, 'Zoë 🎉', 'z@example.com', 1, NULL, '2026-01-02 03:04:05.678',
        '2026-01-02 03:04:05.678', 'admin', 12.50, 1.5, 'pro', '{\"theme\":\"dark\"}')").await;
    run(&pool, "INSERT INTO sessions VALUES (7, UTC_TIMESTAMP(3) + INTERVAL 1 HOUR, 'tok-my', '2026-01-02 03:04:05.678',
        '2026-01-02 03:04:05.678', 1, 'org-1')").await;
    let store = MySqlStore::from_pool(pool, SqlOptions::with_schema(Schema::snake_case().plural()))
        .await
        .unwrap();
    let record = store.find_session("tok-my").await.unwrap().expect("found");
    assert_eq!(
        (record.user.id.as_str(), record.session.id.as_str()),
        ("1", "7")
    );
    assert_eq!(record.user.name, "Zoë 🎉");
    assert!(record.user.email_verified);
    assert_eq!(
        record.user.created_at.to_rfc3339(),
        "2026-01-02T03:04:05.678+00:00"
    );
    assert!(record.user.has_role("admin"));
    assert_eq!(record.user.extra["credits"], "12.50");
    assert_eq!(record.user.extra["score"], 1.5);
    assert_eq!(record.user.extra["plan"], "pro");
    assert_eq!(
        record.session.active_organization_id.as_deref(),
        Some("org-1")
    );
    assert!(record.session.expires_at > chrono::Utc::now());
    assert!(store.find_session("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn missing_tables_are_startup_errors() {
    let db = TempMySqlDatabase::create().await;
    let error = MySqlStore::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::MissingTable { table } if table == "session"),
        "{error}"
    );
}

#[tokio::test]
async fn unreachable_server_is_a_startup_error() {
    let error = MySqlStore::connect(
        "mysql://root@127.0.0.1:1/none",
        SqlOptions::default().acquire_timeout(std::time::Duration::from_secs(2)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::Connect {
                backend: "mysql",
                ..
            }
        ),
        "{error}"
    );
}

/// The pool lends connections without a ping; a connection the server killed while idle costs
/// a second attempt, not a 503.
#[tokio::test]
async fn a_connection_killed_while_idle_is_replaced_without_an_error() {
    let db = TempMySqlDatabase::create().await;
    let admin = db.pool().await;
    run(&admin, "CREATE TABLE `user` (`id` varchar(36) PRIMARY KEY, `name` text NOT NULL, `email` varchar(255) NOT NULL, `emailVerified` tinyint(1) NOT NULL, `image` text, `createdAt` timestamp(3) NOT NULL, `updatedAt` timestamp(3) NOT NULL)").await;
    run(&admin, "CREATE TABLE `session` (`id` varchar(36) PRIMARY KEY, `expiresAt` timestamp(3) NOT NULL, `token` varchar(255) NOT NULL, `createdAt` timestamp(3) NOT NULL, `updatedAt` timestamp(3) NOT NULL, `userId` varchar(36) NOT NULL)").await;
    run(
        &admin,
        "INSERT INTO `user` VALUES ('u1', 'K', 'k@example.com', 1, NULL, now(3), now(3))",
    )
    .await;
    run(
        &admin,
        "INSERT INTO `session` VALUES ('s1', now(3) + interval 1 day, 'tok', now(3), now(3), 'u1')",
    )
    .await;
    let store = MySqlStore::connect(&db.url(), SqlOptions::default().max_connections(1))
        .await
        .unwrap();
    assert!(store.find_session("tok").await.unwrap().is_some());

    // From one connection of its own (the admin pool's other connections are in the list too,
    // and one of them killed would fail the next statement sent on it).
    use sqlx::Connection as _;
    let mut killer = sqlx::MySqlConnection::connect(&db.url()).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM information_schema.processlist WHERE db = database() AND id <> connection_id()",
    )
    .fetch_all(&mut killer)
    .await
    .unwrap();
    assert!(!ids.is_empty(), "the store's connection is listed");
    for id in ids {
        killer
            .execute(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
            .await
            .unwrap_or_else(|e| panic!("KILL CONNECTION {id}: {e}"));
    }
    drop(admin);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let record = store
        .find_session("tok")
        .await
        .expect("a second attempt, not an error");
    assert!(record.is_some());
}
