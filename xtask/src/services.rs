//! A check, before the tests, that the machine's services answer, so that a missing service is
//! one clear message naming its variable rather than many failing tests.

use std::{
    net::{TcpStream, ToSocketAddrs},
    time::Duration,
};

/// A service the tests use: its variable, default URL and how to start it on this machine kind.
struct Service {
    variable: &'static str,
    default: &'static str,
    start: &'static str,
}

const SERVICES: &[Service] = &[
    Service {
        variable: "DATABASE_URL",
        default: "postgres://postgres@127.0.0.1:5432/postgres",
        start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    },
    Service {
        variable: "MYSQL_URL",
        default: "mysql://root@127.0.0.1:3306",
        start: "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    },
    Service {
        variable: "REDIS_URL",
        default: "redis://127.0.0.1:6379",
        start: "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
    },
];

/// `host:port` of a URL like `scheme://user:pass@host:port/path`.
fn host_port(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    Some(host_port.to_owned())
}

/// Fails with one message per service that does not accept TCP connections.
pub(crate) fn check_all() -> Result<(), String> {
    let mut problems = Vec::new();
    for service in SERVICES {
        // Same rule as the tests: a URL of another scheme (sqlite://) does not name a server.
        let url = std::env::var(service.variable)
            .ok()
            .filter(|url| url.starts_with(service.default.split(':').next().unwrap_or_default()))
            .unwrap_or_else(|| service.default.to_owned());
        let reachable = host_port(&url)
            .and_then(|hp| hp.to_socket_addrs().ok())
            .and_then(|mut addrs| addrs.next())
            .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_ok());
        if !reachable {
            problems.push(format!(
                "{} = {url} does not answer; start it ({}) or set {} to a reachable server",
                service.variable, service.start, service.variable
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
