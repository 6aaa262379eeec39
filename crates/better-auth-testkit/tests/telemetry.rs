//! What operators see through the `metrics` facade: counters and a latency histogram, and a
//! Prometheus rendering of them.

mod support;

use better_auth_testkit::TestAuth;
use support::traffic;

/// A counter's name, labels and value.
type Counted = (String, Vec<(String, String)>, u64);

#[test]
fn metrics_count_outcomes_cache_refreshes_and_backend_errors() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let auth = TestAuth::new();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(traffic(&auth))
    });
    let snapshot = snapshotter.snapshot().into_vec();
    let latencies: usize = snapshot
        .iter()
        .filter(|(key, ..)| key.key().name() == "better_auth_authentication_duration_seconds")
        .map(|(_, _, _, value)| match value {
            DebugValue::Histogram(values) => values.len(),
            _ => 0,
        })
        .sum();
    let counters: Vec<Counted> = snapshot
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(count) => Some((
                key.key().name().to_owned(),
                key.key()
                    .labels()
                    .map(|label| (label.key().to_owned(), label.value().to_owned()))
                    .collect(),
                count,
            )),
            _ => None,
        })
        .collect();
    let count = |name: &str, labels: &[(&str, &str)]| -> u64 {
        counters
            .iter()
            .filter(|(key, have, _)| {
                key == name
                    && labels
                        .iter()
                        .all(|(k, v)| have.iter().any(|(hk, hv)| hk == k && hv == v))
            })
            .map(|(_, _, value)| value)
            .sum()
    };
    let total = "better_auth_authentications_total";
    assert_eq!(count(total, &[]), 16, "{counters:?}");
    // session three times (once through `authenticate`), due, bearer, JWT, API key: accepted
    // (the POST is refused by origin).
    assert_eq!(count(total, &[("outcome", "accepted")]), 7, "{counters:?}");
    assert_eq!(
        count(total, &[("outcome", "accepted"), ("via", "cookie")]),
        4
    );
    assert_eq!(count(total, &[("code", "session_expired")]), 1);
    assert_eq!(count(total, &[("code", "api_key_exhausted")]), 1);
    assert_eq!(count(total, &[("code", "untrusted_origin")]), 1);
    assert_eq!(count(total, &[("code", "backend_unavailable")]), 1);
    assert!(count("better_auth_session_cache_total", &[("result", "hit")]) >= 1);
    assert!(count("better_auth_session_cache_total", &[("result", "miss")]) >= 3);
    assert_eq!(
        count("better_auth_session_refreshes_total", &[]),
        1,
        "{counters:?}"
    );
    assert_eq!(
        count("better_auth_backend_errors_total", &[("backend", "memory")]),
        1
    );
    assert_eq!(latencies, 16, "one latency per authentication");
}

/// The Prometheus example of `docs/observability.md`: a recorder whose handle renders the
/// text format a `/metrics` route serves.
#[test]
fn the_prometheus_example_renders_the_metrics() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let auth = TestAuth::new();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(traffic(&auth))
    });
    let text = handle.render();
    assert!(
        text.contains(
            r#"better_auth_authentications_total{outcome="accepted",code="ok",via="cookie"} 4"#
        ),
        "{text}"
    );
    assert!(
        text.contains("better_auth_authentication_duration_seconds"),
        "{text}"
    );
}
