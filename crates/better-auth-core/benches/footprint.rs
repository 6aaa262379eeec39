//! Footprint of the cached path, measured (not timed):
//!
//! - heap allocations per `Authenticator::authenticate` answered by the in-process cache;
//! - heap bytes of a session record, and of 100,000 cached sessions (see `memory.rs` for the
//!   resident size, measured without dhat's bookkeeping).
//!
//! - with feature `jwks`: heap allocations per `authenticate` of a JWT answered by the
//!   verified-token cache, beside what the identity handed out needs.
//!
//! `cargo bench -p better-auth-core --features jwks --bench footprint` (dhat counts the
//! allocations).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::sync::Arc;

use better_auth_core::{
    CacheOptions, CachedStore, SecretSet, internals as signing, store::SessionStore,
};

mod support;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let quick = std::env::args().any(|arg| arg == "--test");

    // Allocations per cached request.
    let secrets = SecretSet::single(support::SECRET).unwrap();
    let auth = support::cached_authenticator();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::COOKIE,
        format!(
            "theme=dark; better-auth.session_token={}",
            signing::cookie_value(&support::token(1), secrets.current())
        )
        .parse()
        .unwrap(),
    );
    runtime.block_on(auth.authenticate(&headers)).unwrap();
    let rounds = 10_000u64;
    let lookups = support::LOOKUPS.load(std::sync::atomic::Ordering::Relaxed);
    let before = dhat::HeapStats::get();
    runtime.block_on(async {
        for _ in 0..rounds {
            std::hint::black_box(auth.authenticate(&headers).await.unwrap());
        }
    });
    let after = dhat::HeapStats::get();
    assert_eq!(
        support::LOOKUPS.load(std::sync::atomic::Ordering::Relaxed),
        lookups,
        "every request answered by the cache"
    );
    println!(
        "cached authenticate: {:.1} allocations, {:.0} bytes allocated per request",
        (after.total_blocks - before.total_blocks) as f64 / rounds as f64,
        (after.total_bytes - before.total_bytes) as f64 / rounds as f64,
    );

    #[cfg(feature = "jwks")]
    jwt_hits(&runtime, rounds);

    // The records alone, for the memory bench's comparison.
    let heap_before = dhat::HeapStats::get().curr_bytes;
    let records: Vec<_> = (0..10_000).map(support::record).collect();
    let per_record =
        (dhat::HeapStats::get().curr_bytes - heap_before) as f64 / records.len() as f64;
    drop(records);
    println!(
        "one session record (session + user, Better Auth-sized strings): {per_record:.0} bytes of heap"
    );

    // The cache's own cost per entry, beyond the record.
    let entries = if quick { 1_000 } else { 100_000 };
    let cached = CachedStore::new(
        Arc::new(support::InMemory),
        CacheOptions::with_ttl(std::time::Duration::from_secs(3600)).max_entries(200_000),
    );
    let heap_before = dhat::HeapStats::get().curr_bytes;
    runtime.block_on(async {
        for n in 0..entries {
            cached.find_session(&support::token(n)).await.unwrap();
        }
        cached.run_pending_tasks().await;
    });
    let heap = dhat::HeapStats::get().curr_bytes - heap_before;
    println!(
        "{entries} cached sessions: heap {:.1} MiB, {:.0} bytes each ({:.0} for the cache itself)",
        heap as f64 / 1048576.0,
        heap as f64 / entries as f64,
        heap as f64 / entries as f64 - per_record,
    );
}

/// Allocations per JWT request answered by the verified-token cache.
#[cfg(feature = "jwks")]
fn jwt_hits(runtime: &tokio::runtime::Runtime, rounds: u64) {
    let (token, verifier) = runtime.block_on(support::jwt::eddsa_token_and_verifier());
    let auth = better_auth_core::Authenticator::builder(better_auth_core::AuthConfig::new(
        SecretSet::single(support::SECRET).unwrap(),
    ))
    .token_verifier(verifier)
    .build()
    .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    runtime.block_on(auth.authenticate(&headers)).unwrap();
    let before = dhat::HeapStats::get();
    runtime.block_on(async {
        for _ in 0..rounds {
            std::hint::black_box(auth.authenticate(&headers).await.unwrap());
        }
    });
    let after = dhat::HeapStats::get();
    println!(
        "JWT authenticate, verified-token cache hit: {:.1} allocations, {:.0} bytes allocated per request",
        (after.total_blocks - before.total_blocks) as f64 / rounds as f64,
        (after.total_bytes - before.total_bytes) as f64 / rounds as f64,
    );
}
