//! Every real-service test of `better-auth-tests`, in one test binary (one link of the whole
//! stack instead of one per file): each module was a test file of its own, and keeps its test
//! names under its module path (`interop_sessions::postgres_sessions_match_better_auth`).
//!
//! Run one module with a filter: `cargo test -p better-auth-tests --test integration revocation::`
//! (or `cargo nextest run -p better-auth-tests revocation::`).

mod batch_lookup;
mod batched_misses;
mod cache_single_flight;
mod database_faults;
mod docs;
mod doctor;
mod interop_access_control;
mod interop_api_key_configs;
mod interop_api_key_quotas;
mod interop_api_keys;
mod interop_cookie_cache;
mod interop_corpus;
mod interop_header_bytes;
mod interop_id_layouts;
mod interop_jwt;
mod interop_multi_session;
mod interop_oauth_provider;
mod interop_organizations;
mod interop_redis;
mod interop_refresh;
mod interop_remote;
mod interop_sessions;
mod jwks_faults;
mod jwt_attacks;
mod mysql_store;
mod postgres_store;
mod resource_server_introspection;
mod revocation;
mod sqlite_store;
mod testkit_database;
