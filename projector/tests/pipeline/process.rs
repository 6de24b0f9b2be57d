//! The projector as its own operating-system process, for what only a real
//! process shows: a SIGKILL ends it with no destructor run and no socket
//! closed politely.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{TestLog, PATIENCE};

pub struct ProjectorProcess {
    child: Child,
    pub address: String,
}

impl TestLog {
    /// Starts the projector binary on this test's database, topics and Redis
    /// keys, and waits until it answers `/healthz`.
    pub async fn spawn_projector_process(&self) -> ProjectorProcess {
        let port = infra::testing::closed_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_projector"));
        command
            .arg("run")
            .env_clear()
            .envs(&self.env.vars)
            .env("PROJECTOR_ADDR", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let child = command.spawn().expect("the projector binary starts");
        let process = ProjectorProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let healthy = client
                .get(format!("{}/healthz", process.address))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return process;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the projector process did not answer /healthz"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl ProjectorProcess {
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.address))
            .await
            .expect("the projector answers /metrics")
            .text()
            .await
            .expect("a metrics page")
    }

    /// SIGKILL: no batch finished, nothing cleaned up, no goodbye to the
    /// broker or to Postgres.
    pub fn sigkill(mut self) {
        // `Child::kill` sends SIGKILL on Unix.
        self.child.kill().expect("SIGKILL delivered");
        self.child.wait().expect("the killed projector is reaped");
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .expect("the projector can be waited on")
            {
                assert!(status.success(), "the projector exited with {status}");
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the projector did not stop after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ProjectorProcess {
    fn drop(&mut self) {
        // A failing test must not leave a projector running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
