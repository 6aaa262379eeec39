//! A TCP proxy of the test's own, between a service and a real backend (PostgreSQL, Redis,
//! MariaDB), to cut or blackhole the path without touching the machine's shared services.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
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
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                match accept_state.load(Ordering::SeqCst) {
                    CUT => drop(client),
                    _ => {
                        let changes = accept_changes.subscribe();
                        tokio::spawn(relay(client, target, changes));
                    }
                }
            }
        });
        Self {
            addr,
            state,
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

    /// Back to forwarding (connections cut earlier stay closed; new ones work).
    pub fn heal(&self) {
        self.set(OPEN);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.set(CUT);
        self.task.abort();
    }
}

/// Copies bytes both ways until either side closes, the proxy is cut (close) or blackholed
/// (hold the sockets, move nothing, until cut or healed... a healed blackhole stays dead, as a
/// real one would for the connections it swallowed).
async fn relay(mut client: TcpStream, target: SocketAddr, mut changes: watch::Receiver<u8>) {
    if *changes.borrow() == BLACKHOLE {
        hold(client, changes).await;
        return;
    }
    let Ok(Ok(mut server)) =
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(target)).await
    else {
        let _ = client.shutdown().await;
        return;
    };
    let blackholed = {
        let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
        tokio::pin!(copy);
        loop {
            tokio::select! {
                _ = &mut copy => break false,
                changed = changes.changed() => {
                    if changed.is_err() {
                        break false;
                    }
                    match *changes.borrow() {
                        CUT => break false,
                        BLACKHOLE => break true,
                        _ => {}
                    }
                }
            }
        }
    };
    if blackholed {
        hold(client, changes).await;
    }
    drop(server);
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
