//! The cost of a permission check (`Authenticated::has_organization_permission`) on the
//! machine's PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`):
//! the evaluation alone, then a check whose membership and dynamic roles are read from the
//! database (two queries), then one with the in-process cache on, in one run:
//! `cargo bench -p better-auth-core --features postgres --bench authorization`.
//!
//! It creates a database of its own with Better Auth's PostgreSQL layout (a user in an
//! organization with roles `admin,member`, one dynamic role) and drops it at the end.

use std::time::Duration;

use better_auth_core::{
    AuthConfig, Authenticated, Authenticator, CacheOptions, SecretSet,
    access_control::{self, DynamicRole, Permissions},
    internals as signing,
    store::{SqlOptions, connect_stores},
};
use criterion::{Criterion, criterion_group, criterion_main};

mod postgres;

const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";
const TOKEN: &str = "benchauthorizationsessiontoken01";

const SCHEMA: &str = r#"
CREATE TABLE "user" ("id" text PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE,
  "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz NOT NULL,
  "updatedAt" timestamptz NOT NULL, "role" text);
CREATE TABLE "session" ("id" text PRIMARY KEY, "expiresAt" timestamptz NOT NULL,
  "token" text NOT NULL UNIQUE, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL,
  "ipAddress" text, "userAgent" text, "userId" text NOT NULL REFERENCES "user" ("id"),
  "activeOrganizationId" text, "activeTeamId" text);
CREATE TABLE "organization" ("id" text PRIMARY KEY, "name" text NOT NULL, "slug" text NOT NULL UNIQUE,
  "logo" text, "createdAt" timestamptz NOT NULL, "metadata" text);
CREATE TABLE "member" ("id" text PRIMARY KEY, "organizationId" text NOT NULL REFERENCES "organization" ("id"),
  "userId" text NOT NULL REFERENCES "user" ("id"), "role" text NOT NULL, "createdAt" timestamptz NOT NULL);
CREATE INDEX "member_organizationId_idx" ON "member" ("organizationId");
CREATE INDEX "member_userId_idx" ON "member" ("userId");
CREATE TABLE "organizationRole" ("id" text PRIMARY KEY, "organizationId" text NOT NULL,
  "role" text NOT NULL, "permission" text NOT NULL, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz);
CREATE INDEX "organizationRole_organizationId_idx" ON "organizationRole" ("organizationId");
INSERT INTO "user" VALUES ('u1', 'Bench', 'bench@example.com', true, NULL, now(), now(), 'user');
INSERT INTO "organization" VALUES ('o1', 'Acme', 'acme', NULL, now(), NULL);
INSERT INTO "member" VALUES ('m1', 'o1', 'u1', 'admin,member', now());
INSERT INTO "organizationRole" VALUES ('r1', 'o1', 'member', '{"team":["create"]}', now(), NULL);
INSERT INTO "session" VALUES ('s1', now() + interval '7 days', 'benchauthorizationsessiontoken01',
  now(), now(), '203.0.113.7', 'bench', 'u1', 'o1', NULL);
"#;

fn config() -> AuthConfig {
    let mut config = AuthConfig::new(SecretSet::single(SECRET).expect("the bench secret"));
    config.session.refresh = false;
    config
}

fn authenticator(runtime: &tokio::runtime::Runtime, url: &str, cached: bool) -> Authenticator {
    let stores = runtime
        .block_on(connect_stores(url, SqlOptions::default()))
        .expect("the bench stores");
    let mut builder = Authenticator::builder(config())
        .session_store_arc(stores.sessions)
        .organization_store_arc(stores.organizations.expect("the organization tables"));
    if cached {
        builder = builder.cache(CacheOptions::with_ttl(Duration::from_secs(3600)));
    }
    builder.build().expect("the bench authenticator")
}

fn signed_in(runtime: &tokio::runtime::Runtime, auth: &Authenticator) -> Authenticated {
    let secrets = SecretSet::single(SECRET).expect("the bench secret");
    let cookie = format!(
        "better-auth.session_token={}",
        signing::cookie_value(TOKEN, secrets.current())
    );
    let mut headers = http::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("a header value"));
    runtime
        .block_on(auth.authenticate_request("GET", &headers))
        .required()
        .expect("the bench session")
}

fn authorization(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let database = runtime.block_on(postgres::BenchDatabase::create(
        "ba_rs_bench_authorization",
        SCHEMA,
    ));
    let url = database.url.clone();
    let permissions = Permissions::new([("team", ["create"]), ("member", ["create"])]);
    let mut group = c.benchmark_group("authorization (postgres)");
    group.measurement_time(Duration::from_secs(5));

    let rows = [DynamicRole::new("member", r#"{"team":["create"]}"#)];
    let config = config();
    group.bench_function("evaluate only", |b| {
        b.iter(|| {
            access_control::organization_has_permission(
                "admin,member",
                &rows,
                &permissions,
                &config.access_control,
            )
            .expect("a verdict")
        })
    });
    for (label, cached) in [
        ("check, uncached (2 queries)", false),
        ("check, cached", true),
    ] {
        let auth = authenticator(&runtime, &url, cached);
        let user = signed_in(&runtime, &auth);
        group.bench_function(label, |b| {
            b.to_async(&runtime).iter(|| async {
                // A new request's view of the same identity: nothing kept from the last one.
                let request = Authenticated::new(user.identity().clone(), auth.clone());
                assert!(
                    request
                        .has_organization_permission(&permissions)
                        .await
                        .expect("a verdict")
                );
            })
        });
    }
    group.finish();
    runtime.block_on(database.drop_database());
}

criterion_group!(benches, authorization);
criterion_main!(benches);
