//! Who a request comes from, for what is counted per client: the address Better Auth's rate
//! limiter keys on, told to it on each call made for the client (remote mode's `get-session`,
//! the OAuth provider's introspection), and this library's own budget of lookups that find
//! nothing, per client.
//!
//! - The client's address is the peer of the connection (the adapters pass it), unless that
//!   peer is a trusted proxy ([`TrustedProxies`], `BETTER_AUTH_TRUSTED_PROXIES`): then the
//!   rightmost address of `X-Forwarded-For` that is not a trusted proxy. A forwarding header
//!   from anyone else is never read: a client cannot choose whose budget it spends.
//! - Better Auth reads the client's address from one header (`advanced.ipAddress
//!   .ipAddressHeaders`, `x-forwarded-for` by default) and only when it holds exactly one
//!   address; a call without one lands in a single bucket shared by every such call. So each
//!   call carries exactly one address, the client's ([`forwarded_for`]).
//! - [`MissBudget`]: a client may make so many lookups that find nothing (an unknown session
//!   token, an inactive access token) in a window; beyond that its next uncached lookups are
//!   refused with 429 before any call, so one client's garbage cannot spend a limit others
//!   share. Lookups that find a session never count.

use std::{
    net::IpAddr,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use ipnet::IpNet;

use crate::headers::RequestHeaders;

/// The header a client's address is read from behind a trusted proxy.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed (`BETTER_AUTH_TRUSTED_PROXIES`): addresses
/// or CIDR ranges. Empty by default: the peer of the connection is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<IpNet>,
}

impl TrustedProxies {
    /// No trusted proxy.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, ::1`); the
    /// error names the entry that is neither.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let range = match entry.parse::<IpNet>() {
                Ok(range) => range,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(address) => IpNet::from(address),
                    Err(_) => return Err(format!("`{entry}` is not an address or a CIDR range")),
                },
            };
            ranges.push(range);
        }
        Ok(Self { ranges })
    }

    /// Whether `address` is one of the trusted proxies.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.ranges.iter().any(|range| range.contains(&address))
    }

    /// Whether any proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The client of a request whose connection comes from `peer`: `peer` itself, or, when
    /// `peer` is a trusted proxy, the rightmost `X-Forwarded-For` address that is not one (the
    /// leftmost when all are; `peer` when the header is absent or a hop does not parse, so a
    /// broken chain is counted as the proxy's, never as an address someone chose). `None`
    /// when the adapter knows no peer.
    pub fn client(&self, peer: Option<IpAddr>, headers: &impl RequestHeaders) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.contains(peer) {
            return Some(peer);
        }
        let mut hops: Vec<IpAddr> = Vec::new();
        for value in headers.values(FORWARDED_FOR) {
            let Ok(text) = std::str::from_utf8(value) else {
                return Some(peer);
            };
            for hop in text.split(',').map(str::trim).filter(|hop| !hop.is_empty()) {
                match parse_hop(hop) {
                    Some(address) => hops.push(address),
                    None => return Some(peer),
                }
            }
        }
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            client = hop;
            if !self.contains(hop) {
                break;
            }
        }
        Some(client)
    }
}

/// One `X-Forwarded-For` hop: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| {
            hop.parse::<std::net::SocketAddr>()
                .map(|socket| socket.ip())
        })
        .ok()
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they carry, as Better
/// Auth reads them.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The value of the forwarding header a call made for `client` carries: its one address (Better
/// Auth ignores a header listing several).
pub fn forwarded_for(client: IpAddr) -> String {
    canonical(client).to_string()
}

/// How long Better Auth's rate limiter asks a client to wait: its `X-Retry-After` (seconds), or
/// a standard `Retry-After`; `default` (its window) when neither reads.
#[cfg(any(feature = "remote", feature = "resource-server"))]
pub(crate) fn retry_after(headers: &http::HeaderMap, default: Duration) -> Duration {
    ["x-retry-after", "retry-after"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(default, Duration::from_secs)
}

/// How many lookups that find nothing a client may make in a window before its next uncached
/// lookups are refused (429, before any call). `BETTER_AUTH_MISS_BUDGET` (`20/10s`, `off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissBudgetOptions {
    /// Lookups that find nothing allowed per window (default 20).
    pub misses: u32,
    /// The window, counted from a client's first miss (default 10 s).
    pub window: Duration,
}

impl Default for MissBudgetOptions {
    fn default() -> Self {
        Self {
            misses: 20,
            window: Duration::from_secs(10),
        }
    }
}

impl MissBudgetOptions {
    /// `misses` per `window`.
    pub fn new(misses: u32, window: Duration) -> Self {
        Self { misses, window }
    }

    /// Parses `N/Ds` (`20/10s`, `5/1m`, `100/500ms`).
    pub fn parse(value: &str) -> Result<Self, String> {
        let (misses, window) = value
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("`{value}` is not of the form MISSES/WINDOW (e.g. 20/10s)"))?;
        let misses: u32 = misses
            .trim()
            .parse()
            .map_err(|_| format!("`{misses}` is not a number of misses"))?;
        let window = window.trim();
        let (number, unit) = window
            .find(|c: char| !c.is_ascii_digit())
            .map_or((window, ""), |at| window.split_at(at));
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{window}` is not a window such as 10s"))?;
        let window = match unit {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number * 60),
            _ => return Err(format!("`{window}`: the window's unit is ms, s or m")),
        };
        if misses == 0 || window.is_zero() {
            return Err(format!("`{value}`: both numbers must be above zero"));
        }
        Ok(Self { misses, window })
    }
}

/// The budget of lookups that find nothing, per client address (see [`MissBudgetOptions`]).
/// Bounded: at most 100,000 clients are tracked at once (the least recent are forgotten).
#[derive(Clone)]
pub struct MissBudget {
    options: MissBudgetOptions,
    /// Per client: when its window started and how many misses it counted (bounded, S3-FIFO
    /// eviction; a window past its end counts as none).
    windows: Arc<quick_cache::sync::Cache<IpAddr, Arc<Window>>>,
}

struct Window {
    started: Instant,
    misses: AtomicU32,
}

impl std::fmt::Debug for MissBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MissBudget")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl MissBudget {
    /// A budget of `options.misses` per `options.window` per client.
    pub fn new(options: MissBudgetOptions) -> Self {
        Self {
            options,
            windows: Arc::new(quick_cache::sync::Cache::new(100_000)),
        }
    }

    /// The settings.
    pub fn options(&self) -> MissBudgetOptions {
        self.options
    }

    /// `Err(retry_after)` when `client` has spent its budget in the current window: refuse
    /// its lookup before any call. Always `Ok` for an unknown client (no budget can be told
    /// apart from another's).
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        let Some(window) = client.and_then(|client| self.windows.get(&client)) else {
            return Ok(());
        };
        let left = self.options.window.saturating_sub(window.started.elapsed());
        if left.is_zero() || window.misses.load(Ordering::Relaxed) < self.options.misses {
            return Ok(());
        }
        Err(left)
    }

    /// Counts a lookup of `client` that found nothing.
    pub fn record_miss(&self, client: Option<IpAddr>) {
        let Some(client) = client else { return };
        let current = self
            .windows
            .get(&client)
            .filter(|window| window.started.elapsed() < self.options.window);
        let window = current.unwrap_or_else(|| {
            let window = Arc::new(Window {
                started: Instant::now(),
                misses: AtomicU32::new(0),
            });
            self.windows.insert(client, Arc::clone(&window));
            window
        });
        window.misses.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(FORWARDED_FOR, value.parse().unwrap());
        headers
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let none = TrustedProxies::none();
        let spoofed = forwarded("9.9.9.9");
        assert_eq!(
            none.client(Some(ip("1.2.3.4")), &spoofed),
            Some(ip("1.2.3.4"))
        );
        assert_eq!(none.client(None, &spoofed), None);
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        assert_eq!(
            proxies.client(Some(ip("10.1.2.3")), &forwarded("9.9.9.9")),
            Some(ip("9.9.9.9"))
        );
        // A chain: the rightmost hop that is not a trusted proxy; what the client wrote on the
        // left is ignored.
        assert_eq!(
            proxies.client(
                Some(ip("10.1.2.3")),
                &forwarded("6.6.6.6, 8.8.8.8, 192.168.1.1")
            ),
            Some(ip("8.8.8.8"))
        );
        // Not from a trusted proxy: the header is not read.
        assert_eq!(
            proxies.client(Some(ip("8.8.4.4")), &forwarded("9.9.9.9")),
            Some(ip("8.8.4.4"))
        );
        // A broken hop or no header: the proxy itself.
        assert_eq!(
            proxies.client(Some(ip("10.1.2.3")), &forwarded("9.9.9.9, garbage")),
            Some(ip("10.1.2.3"))
        );
        assert_eq!(
            proxies.client(Some(ip("10.1.2.3")), &HeaderMap::new()),
            Some(ip("10.1.2.3"))
        );
        // Ports and mapped addresses.
        assert_eq!(
            proxies.client(Some(ip("::ffff:10.0.0.1")), &forwarded("[2001:db8::1]:443")),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            none.client(Some(ip("::ffff:1.2.3.4")), &HeaderMap::new()),
            Some(ip("1.2.3.4"))
        );
        assert!(TrustedProxies::parse("10.0.0.0/8, nope").is_err());
    }

    #[test]
    fn a_budget_is_per_client_and_counts_misses_only() {
        let budget = MissBudget::new(MissBudgetOptions::new(3, Duration::from_secs(60)));
        let (a, b) = (Some(ip("1.1.1.1")), Some(ip("2.2.2.2")));
        for _ in 0..3 {
            assert!(budget.check(a).is_ok());
            budget.record_miss(a);
        }
        let wait = budget.check(a).expect_err("spent");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(
            budget.check(b).is_ok(),
            "another client's budget is its own"
        );
        budget.record_miss(None);
        assert!(
            budget.check(None).is_ok(),
            "an unknown client is never refused"
        );
    }

    #[test]
    fn budgets_parse() {
        let parsed = MissBudgetOptions::parse("20/10s").unwrap();
        assert_eq!(
            (parsed.misses, parsed.window),
            (20, Duration::from_secs(10))
        );
        assert_eq!(
            MissBudgetOptions::parse("5/1m").unwrap().window,
            Duration::from_secs(60)
        );
        assert_eq!(
            MissBudgetOptions::parse("5/250ms").unwrap().window,
            Duration::from_millis(250)
        );
        for bad in ["20", "x/10s", "20/10", "20/10h", "0/10s", "20/0s"] {
            assert!(MissBudgetOptions::parse(bad).is_err(), "{bad}");
        }
    }
}
