//! Resident memory of 100,000 cached sessions (the system allocator, no instrumentation): the
//! process's resident set size before and after filling the in-process cache.
//!
//! `cargo bench -p better-auth-core --bench memory`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::sync::Arc;

use better_auth_core::{CacheOptions, CachedStore, store::SessionStore};

mod support;

/// Resident set size in bytes (Linux `/proc/self/statm`).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--test");
    let entries = if quick { 1_000 } else { 100_000 };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cached = CachedStore::new(
        Arc::new(support::InMemory),
        CacheOptions::with_ttl(std::time::Duration::from_secs(3600)).max_entries(200_000),
    );
    // Warm the runtime and the cache's own structures first.
    runtime
        .block_on(cached.find_session(&support::token(usize::MAX / 2)))
        .unwrap();
    let before = resident_bytes();
    runtime.block_on(async {
        for n in 0..entries {
            cached.find_session(&support::token(n)).await.unwrap();
        }
        cached.run_pending_tasks().await;
    });
    let grown = resident_bytes().saturating_sub(before);
    println!(
        "{entries} cached sessions ({} held): resident +{:.1} MiB ({:.0} bytes each)",
        cached.entry_count(),
        grown as f64 / 1048576.0,
        grown as f64 / entries as f64
    );
}
