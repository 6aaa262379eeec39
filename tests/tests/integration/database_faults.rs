//! The SQL stores when the path to a REAL database breaks: a proxy of the test's own sits
//! between the store and the machine's PostgreSQL / MariaDB, and is cut (connections closed,
//! new ones refused) or blackholed (packets vanish). Every lookup must be a 503 within the
//! timeout, never a pass, and the store must recover by itself once the path heals.

use std::time::{Duration, Instant};

use better_auth_core::{
    AuthError,
    store::SessionStore,
    store::{self, SqlOptions},
};
use better_auth_tests::{mysql::TempMySqlDatabase, postgres::TempDatabase, proxy::TcpProxy};

const SETUP: [&str; 4] = [
    r#"CREATE TABLE "user" ("id" varchar(36) PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL, "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamp NOT NULL, "updatedAt" timestamp NOT NULL)"#,
    r#"CREATE TABLE "session" ("id" varchar(36) PRIMARY KEY, "expiresAt" timestamp NOT NULL, "token" varchar(255) NOT NULL, "createdAt" timestamp NOT NULL, "updatedAt" timestamp NOT NULL, "userId" varchar(36) NOT NULL)"#,
    r#"INSERT INTO "user" VALUES ('u1', 'F', 'f@example.com', true, NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"#,
    r#"INSERT INTO "session" VALUES ('s1', '2037-12-31 00:00:00', 'tok', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'u1')"#,
];

fn host_port(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port_or_known_default().unwrap_or(3306)
    )
}

async fn assert_503_quickly(store: &dyn SessionStore, limit: Duration) {
    let started = Instant::now();
    let error = AuthError::from(
        store
            .find_session("tok")
            .await
            .expect_err("no pass while the path is broken"),
    );
    assert_eq!(error.status().as_u16(), 503, "{error:?}");
    assert!(
        started.elapsed() < limit,
        "answered after {:?}",
        started.elapsed()
    );
}

async fn recovers(store: &dyn SessionStore) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match store.find_session("tok").await {
            Ok(Some(_)) => return,
            Ok(None) => panic!("the session vanished"),
            Err(error) if Instant::now() < deadline => {
                assert_eq!(AuthError::from(error).status().as_u16(), 503);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("not recovered within 15 s: {error}"),
        }
    }
}

async fn exercise(url: &str) {
    let proxy = TcpProxy::start(&host_port(url)).await;
    let options = SqlOptions::default()
        .query_timeout(Duration::from_millis(800))
        .acquire_timeout(Duration::from_millis(800))
        .max_connections(4);
    let store = store::connect(&proxy.url_for(url), options).await.unwrap();
    assert!(store.find_session("tok").await.unwrap().is_some());

    proxy.cut();
    for _ in 0..3 {
        assert_503_quickly(store.as_ref(), Duration::from_secs(2)).await;
    }
    proxy.heal();
    recovers(store.as_ref()).await;

    proxy.blackhole();
    for _ in 0..3 {
        assert_503_quickly(store.as_ref(), Duration::from_secs(2)).await;
    }
    proxy.heal();
    recovers(store.as_ref()).await;
}

#[tokio::test]
async fn postgres_cut_and_blackholed() {
    let db = TempDatabase::create().await;
    let pool = db.pool().await;
    for sql in SETUP {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    exercise(&db.url()).await;
}

#[tokio::test]
async fn mysql_cut_and_blackholed() {
    let db = TempMySqlDatabase::create().await;
    let pool = db.pool().await;
    for sql in SETUP {
        let sql = sql.replace('"', "`").replace("true", "1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    exercise(&db.url()).await;
}
