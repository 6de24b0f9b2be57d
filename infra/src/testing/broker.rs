//! A tansu of a test's own, which the test can pause: the broker of a
//! fault test, where pausing the shared test broker would stall every
//! other test.

use std::process::Command;

use super::process::{free_port, tansu_binary, Scratch, Server};

/// tansu on a port of its own, with in-memory storage, gone when dropped.
pub struct PausableBroker {
    pub port: u16,
    tansu: Server,
    _dir: Scratch,
}

impl PausableBroker {
    pub fn start() -> anyhow::Result<Self> {
        let dir = Scratch::new("paused-broker")?;
        let port = free_port()?;
        let listener = format!("tcp://127.0.0.1:{port}");
        let mut command = Command::new(tansu_binary()?);
        command
            .current_dir(&dir.0)
            .env("RUST_LOG", "error")
            .args(["broker", "--listener-url", &listener])
            .args(["--advertised-listener-url", &listener])
            .args(["--storage-engine", "memory://tansu/"]);
        let mut tansu = Server::spawn("tansu", &mut command)?;
        tansu.wait_for_port(port)?;
        Ok(Self {
            port,
            tansu,
            _dir: dir,
        })
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// SIGSTOP: connections stay open and take requests, and nothing is
    /// answered until `resume`.
    pub fn pause(&self) -> anyhow::Result<()> {
        self.tansu.signal("STOP")
    }

    pub fn resume(&self) -> anyhow::Result<()> {
        self.tansu.signal("CONT")
    }
}
