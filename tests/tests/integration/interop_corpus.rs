//! The attack corpus's cookie and bearer cases replayed against a REAL Better Auth: the same
//! request headers to its `get-session`, on the fixture's own SQLite database (Better Auth's
//! layout), with the fixture's secret, the bearer plugin and the compact cookie cache, as the
//! fixture's authenticator is configured. Better Auth's answer must be the corpus's: the same
//! user for a pass, no user for a refusal. So the corpus's expectations are Better Auth's, not
//! ours alone.

use better_auth_core::{
    internals::looks_like_jwt,
    testing::{AttackCase, Fixture, FixtureUser, SECRET, attack_cases},
};
use better_auth_tests::better_auth::BetterAuthServer;
use serde_json::json;

/// A case Better Auth's `get-session` can judge: a `GET /me` carrying only cookies and an
/// `Authorization` header that is not a JWT (Better Auth's bearer plugin reads session tokens).
fn replayable(case: &AttackCase) -> bool {
    case.method == "GET"
        && case.path == "/me"
        && case
            .headers
            .iter()
            .all(|(name, value)| match name.as_str() {
                "cookie" => true,
                "authorization" => !value
                    .strip_prefix("Bearer ")
                    .is_some_and(|token| looks_like_jwt(token.trim())),
                _ => false,
            })
}

#[tokio::test]
async fn better_auth_gives_the_corpus_verdicts() {
    let fixture = Fixture::new().await;
    let config = json!({
        "database": {"kind": "sqlite", "path": fixture.database_path()},
        "secret": SECRET,
        "plugins": {"bearer": {}, "admin": {}},
        "options": {
            "session": {"cookieCache": {"enabled": true, "strategy": "compact", "maxAge": 300}}
        },
    });
    let server = BetterAuthServer::start(config).await;
    let mut replayed = 0;
    let mut refused_by_node = Vec::new();
    let mut disagreements = Vec::new();
    for case in attack_cases(&fixture)
        .iter()
        .filter(|case| replayable(case))
    {
        replayed += 1;
        let headers: Vec<(&str, &[u8])> = case
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let response = server.get_session_raw(&headers).await;
        if response.status != 200 {
            // Node refused the request before Better Auth ran (a head over its 16 KiB: 431).
            refused_by_node.push(format!(
                "line {} {}: {}",
                case.line, case.name, response.status
            ));
            continue;
        }
        let theirs = response.json()["user"]["id"].as_str().map(str::to_owned);
        let expected: Option<&str> = match (case.status, case.code.as_deref()) {
            (200, _) => case.user_id,
            // We refuse a banned user who still has a session; Better Auth's ban revokes the
            // sessions, so such a session exists only in a database edited by hand, and its
            // get-session answers it.
            (403, Some("user_banned")) => Some(FixtureUser::Bob.id()),
            _ => None,
        };
        if theirs.as_deref() != expected {
            disagreements.push(format!(
                "line {} {}: Better Auth {:?}, the corpus expects {:?}",
                case.line, case.name, theirs, expected
            ));
        }
    }
    println!(
        "{replayed} corpus cases replayed against Better Auth; {} refused by Node itself:\n  {}",
        refused_by_node.len(),
        refused_by_node.join("\n  ")
    );
    assert!(replayed >= 60, "only {replayed} cases replayed");
    assert!(refused_by_node.len() <= 5, "{refused_by_node:?}");
    assert!(
        disagreements.is_empty(),
        "{} of {replayed} cases differ:\n  {}",
        disagreements.len(),
        disagreements.join("\n  ")
    );
}
