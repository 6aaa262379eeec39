//! A TCP proxy of the test's own, between a service and a real backend (PostgreSQL, Redis,
//! MariaDB), to cut, blackhole or slow the path without touching the machine's shared services.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU8, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::watch,
    task::JoinHandle,
};

const OPEN: u8 = 0;
const CUT: u8 = 1;
const BLACKHOLE: u8 = 2;

/// The proxy. Dropping it stops it and every connection through it.
pub struct TcpProxy {
    addr: SocketAddr,
    state: Arc<AtomicU8>,
    latency: Arc<AtomicU64>,
    changes: watch::Sender<u8>,
    task: JoinHandle<()>,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let target: SocketAddr = tokio::net::lookup_host(target)
            .await
            .expect("resolve the proxy target")
            .next()
            .expect("an address for the proxy target");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy address");
        let state = Arc::new(AtomicU8::new(OPEN));
        let (changes, _) = watch::channel(OPEN);
        let accept_state = state.clone();
        let accept_changes = changes.clone();
        let latency = Arc::new(AtomicU64::new(0));
        let accept_latency = latency.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                match accept_state.load(Ordering::SeqCst) {
                    CUT => drop(client),
                    _ => {
                        let changes = accept_changes.subscribe();
                        tokio::spawn(relay(client, target, changes, accept_latency.clone()));
                    }
                }
            }
        });
        Self {
            addr,
            state,
            latency,
            changes,
            task,
        }
    }

    /// `host:port` of the proxy.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// `url` with its `host:port` replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let mut parsed = url::Url::parse(url).expect("a URL");
        parsed.set_ip_host(self.addr.ip()).expect("an IP host");
        parsed.set_port(Some(self.addr.port())).expect("a port");
        parsed.to_string()
    }

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::SeqCst);
        self.changes.send_replace(state);
    }

    /// Closes every connection and refuses new ones (they are accepted, then closed).
    pub fn cut(&self) {
        self.set(CUT);
    }

    /// Keeps connections open but lets no byte through either way: the nastiest failure.
    pub fn blackhole(&self) {
        self.set(BLACKHOLE);
    }

    /// Forwards again, but every chunk of bytes, either way, waits `latency` first: a slow
    /// network or an overloaded server.
    pub fn slow(&self, latency: Duration) {
        self.latency
            .store(latency.as_millis() as u64, Ordering::SeqCst);
        self.set(OPEN);
    }

    /// Back to forwarding at full speed (connections cut earlier stay closed; new ones work).
    pub fn heal(&self) {
        self.latency.store(0, Ordering::SeqCst);
        self.set(OPEN);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.set(CUT);
        self.task.abort();
    }
}

/// Forwards bytes both ways until either side closes or the proxy is cut; blackholed, it holds
/// the sockets and moves nothing until cut (a healed blackhole stays dead for the connections it
/// swallowed, as a real one would); slowed, every chunk waits the added latency first.
async fn relay(
    client: TcpStream,
    target: SocketAddr,
    changes: watch::Receiver<u8>,
    latency: Arc<AtomicU64>,
) {
    if *changes.borrow() == BLACKHOLE {
        hold(client, changes).await;
        return;
    }
    let Ok(Ok(server)) =
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(target)).await
    else {
        let mut client = client;
        let _ = client.shutdown().await;
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let upstream = pump(client_read, server_write, changes.clone(), latency.clone());
    let downstream = pump(server_read, client_write, changes.clone(), latency);
    let (up, down) = tokio::join!(upstream, downstream);
    if up == Ended::Blackholed || down == Ended::Blackholed {
        let mut changes = changes;
        while changes.changed().await.is_ok() {
            if *changes.borrow() == CUT {
                break;
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Closed,
    Blackholed,
}

/// One direction of a relay: read a chunk, wait the added latency, write it.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut changes: watch::Receiver<u8>,
    latency: Arc<AtomicU64>,
) -> Ended {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            changed = changes.changed() => {
                if changed.is_err() {
                    return Ended::Closed;
                }
                match *changes.borrow() {
                    CUT => return Ended::Closed,
                    BLACKHOLE => return Ended::Blackholed,
                    _ => continue,
                }
            }
        };
        let Ok(read @ 1..) = read else {
            let _ = to.shutdown().await;
            return Ended::Closed;
        };
        let delay = latency.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        match *changes.borrow() {
            CUT => return Ended::Closed,
            BLACKHOLE => return Ended::Blackholed,
            _ => {}
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return Ended::Closed;
        }
    }
}

/// Holds a connection open without reading or writing until the proxy is cut or dropped.
async fn hold(client: TcpStream, mut changes: watch::Receiver<u8>) {
    while changes.changed().await.is_ok() {
        if *changes.borrow() == CUT {
            break;
        }
    }
    drop(client);
}
