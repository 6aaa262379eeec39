//! `wrk` runs and the parsing of their report.

use crate::machine::pinned;

/// One wrk measurement.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Measure {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// From the skewed table's Lua `done()` (`p999: <us>us`); 0 without it.
    pub(crate) p999_ms: f64,
    pub(crate) errors: u64,
    pub(crate) requests: u64,
}

fn parse_time_ms(text: &str) -> f64 {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => f64::NAN,
    }
}

/// What `wrk` sends: one fixed header, or a Lua script that builds each request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Load<'a> {
    Header(Option<&'a str>),
    Script(&'a std::path::Path),
}

/// `wrk -t1 -cN` against `url` for one second (warm-up), then for `seconds` (measured).
pub(crate) fn wrk(url: &str, header: Option<&str>, seconds: u64, connections: u32) -> Measure {
    run(url, Load::Header(header), 1, connections);
    run(url, Load::Header(header), seconds, connections)
}

/// One `wrk -t1` run (pinned to CPU 1), parsed.
pub(crate) fn run(url: &str, load: Load<'_>, seconds: u64, connections: u32) -> Measure {
    run_threads(url, load, seconds, connections, 1, 5)
}

/// One `wrk` run with `threads` threads (all pinned to CPU 1), parsed; a request unanswered
/// after `timeout` seconds counts as an error.
pub(crate) fn run_threads(
    url: &str,
    load: Load<'_>,
    seconds: u64,
    connections: u32,
    threads: u32,
    timeout: u64,
) -> Measure {
    let mut command = pinned(1, "wrk");
    command.args([
        &format!("-t{threads}"),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        &format!("{timeout}s"),
    ]);
    match load {
        Load::Header(Some(header)) => {
            command.args(["-H", header]);
        }
        Load::Header(None) => {}
        Load::Script(script) => {
            command.arg("-s").arg(script);
        }
    }
    let output = command
        .arg(url)
        .output()
        .expect("wrk (apt-get install wrk)");
    parse(&String::from_utf8_lossy(&output.stdout))
}

fn parse(output: &str) -> Measure {
    let mut measure = Measure::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            measure.rps = rest.trim().parse().unwrap_or(0.0);
        } else if let Some(rest) = line.strip_prefix("50%") {
            measure.p50_ms = parse_time_ms(rest);
        } else if let Some(rest) = line.strip_prefix("99%") {
            measure.p99_ms = parse_time_ms(rest);
        } else if let Some(rest) = line.strip_prefix("p999:") {
            measure.p999_ms = parse_time_ms(rest);
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            measure.errors += rest.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            measure.errors += rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            measure.requests = count.trim().parse().unwrap_or(0);
        }
    }
    measure
}
