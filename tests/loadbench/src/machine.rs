//! The processes of the benchmark: a PostgreSQL of its own, the example services, CPU pinning.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// Whether the machine has two CPUs or more: then servers go on CPU 0 and wrk on CPU 1.
pub(crate) fn pinning() -> bool {
    std::thread::available_parallelism()
        .map(|n| n.get() >= 2)
        .unwrap_or(false)
}

/// The shell line `pinned` runs its program through: the open-files limit raised to 20,000 (or
/// to the hard limit when that is lower), so that 5,000 connections fit on either side.
const MORE_OPEN_FILES: &str =
    r#"ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@""#;

/// `program` on CPU `cpu` (when pinning), with the open-files limit raised. `sh` execs it (and
/// taskset execs it in turn): the child's process id is the program's.
pub(crate) fn pinned(cpu: u32, program: &str) -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", MORE_OPEN_FILES, "sh"]);
    if pinning() {
        command.args(["taskset", "-c", &cpu.to_string()]);
    }
    command.arg(program);
    command
}

/// Pins every thread of the running process `pid` to `cpu` (when pinning).
pub(crate) fn pin_to_cpu(pid: u32, cpu: u32) {
    if pinning() {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", &cpu.to_string(), &pid.to_string()])
            .stdout(Stdio::null())
            .status();
    }
}

/// A PostgreSQL server of the benchmark's own.
pub(crate) struct Postgres {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Postgres {
    pub(crate) fn start() -> Self {
        let bin = Path::new("/usr/lib/postgresql/15/bin");
        let dir = tempfile::Builder::new()
            .prefix("ba-rs-bench-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        // PostgreSQL refuses to run as root: the `postgres` account runs it.
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if as_root {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let run_as = |program: &Path| {
            let mut command = if as_root {
                Command::new("runuser")
            } else {
                Command::new(program)
            };
            if as_root {
                command.args(["-u", "postgres", "--"]).arg(program);
            }
            command
        };
        let status = run_as(&bin.join("initdb"))
            .args(["-D"])
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .stdout(Stdio::null())
            .status()
            .expect("initdb (PostgreSQL 15 binaries)");
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let mut command = if pinning() {
            Command::new("taskset")
        } else {
            run_as(&bin.join("postgres"))
        };
        if pinning() {
            command.args(["-c", "0"]);
            if as_root {
                command.args(["runuser", "-u", "postgres", "--"]);
            }
            command.arg(bin.join("postgres"));
        }
        let child = command
            .args(["-D"])
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                "-c",
                "shared_buffers=128MB",
                // Loaded for the skewed table's query counts, tracking nothing until it turns
                // tracking on for its own database (`skewed::count_queries`).
                "-c",
                "shared_preload_libraries=pg_stat_statements",
                "-c",
                "pg_stat_statements.track=none",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let pg = Self { child, dir, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return pg;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the benchmark's PostgreSQL did not start");
    }

    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}

/// An example service (release binary) pinned to CPU 0.
pub(crate) struct Service {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Service {
    pub(crate) fn start(binary: &Path, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let mut command = pinned(0, binary.to_str().unwrap());
        command
            .env_clear()
            .env("PORT", port.to_string())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        // Dropped (killed and waited for) on every path, the panic included.
        let service = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return service;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{} did not start", binary.display());
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn release_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

pub(crate) fn create_database(url: &str, name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::{Connection, Executor};
        // The port answers before the server takes connections ("the database system is
        // starting up"): try for up to 30 s.
        let mut tries = 0;
        let mut admin = loop {
            match sqlx::PgConnection::connect(url).await {
                Ok(connection) => break connection,
                Err(_) if tries < 300 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("the benchmark's PostgreSQL refuses connections: {error}"),
            }
        };
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap();
    });
}
