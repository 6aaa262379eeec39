//! What operators see in the logs: every authentication's span with its outcome, how it
//! authenticated, where the session came from and the ids; and, in all of the output, never a
//! credential or the secret. (Its own test binary: `tracing`'s per-thread subscriber and other
//! tests' threads would otherwise share callsite caches.)

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use better_auth_testkit::TestAuth;
use support::traffic;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn spans_say_what_happened_and_no_output_holds_a_credential() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let auth = TestAuth::new();
    let secrets = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(traffic(&auth))
    });
    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    for expected in [
        "outcome=\"accepted\"",
        "via=\"cookie\"",
        "via=\"bearer\"",
        "via=\"jwt\"",
        "via=\"api_key\"",
        "via=\"none\"",
        "cache=\"miss\"",
        "cache=\"hit\"",
        "code=\"session_expired\"",
        "code=\"invalid_signature\"",
        "code=\"token_expired\"",
        "code=\"api_key_exhausted\"",
        "code=\"untrusted_origin\"",
        "code=\"missing_credentials\"",
        "code=\"backend_unavailable\"",
        "user_id=",
        "session_id=",
    ] {
        assert!(
            output.contains(expected),
            "no `{expected}` in the output:\n{output}"
        );
    }
    let spans = output.matches("authenticate{").count();
    assert!(spans >= 15, "{spans} authentication spans:\n{output}");
    for secret in &secrets {
        assert!(
            !output.contains(secret.as_str()),
            "a credential ({}…) is in the output:\n{output}",
            &secret[..secret.len().min(8)]
        );
    }
}
