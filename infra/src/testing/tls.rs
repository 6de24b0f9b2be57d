//! TLS endpoints for the tests of the secure paths, all real: a private CA
//! and a certificate for `localhost`/`127.0.0.1` (made by the `openssl`
//! command), a Redis serving TLS only, and tansu requiring SCRAM behind
//! stunnel (tansu 0.6.0 parses `--cert` but never wraps its listener in
//! TLS). Each is a child process killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use super::process::{free_port, tansu_binary, Scratch, Server};

/// A private CA and a server certificate it signed, valid for `localhost`
/// and `127.0.0.1`.
pub struct Certificates {
    /// The CA certificate clients are told to trust (PEM).
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    dir: Scratch,
}

impl Certificates {
    pub fn generate() -> anyhow::Result<Self> {
        let dir = Scratch::new("certs")?;
        let at = |name: &str| dir.0.join(name);
        self_signed_ca(&dir.0, "ticketfold test CA", "ca")?;
        openssl(
            &dir.0,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        )?;
        std::fs::write(
            at("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )?;
        openssl(
            &dir.0,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.pem",
            ],
        )?;
        Ok(Self {
            ca: at("ca.pem"),
            server_cert: at("server.pem"),
            server_key: at("server.key"),
            dir,
        })
    }

    /// Another CA's certificate: what a client trusting the wrong CA holds.
    pub fn unrelated_ca(&self) -> anyhow::Result<PathBuf> {
        self_signed_ca(&self.dir.0, "some other CA", "other")?;
        Ok(self.dir.0.join("other.pem"))
    }
}

/// A CA of its own: `<stem>.key` and `<stem>.pem` in `dir`.
fn self_signed_ca(dir: &Path, name: &str, stem: &str) -> anyhow::Result<()> {
    let (subject, key, cert) = (
        format!("/CN={name}"),
        format!("{stem}.key"),
        format!("{stem}.pem"),
    );
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject,
            "-keyout", &key, "-out", &cert,
        ],
    )
}

fn openssl(dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .context("running openssl (scripts/ensure-deps.sh installs it)")?;
    if !output.status.success() {
        bail!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A Redis that speaks TLS only (no plain port), for `rediss://`.
pub struct TlsRedis {
    pub port: u16,
    _server: Server,
}

impl TlsRedis {
    pub fn start(certificates: &Certificates) -> anyhow::Result<Self> {
        let port = free_port()?;
        let mut server = Server::spawn(
            "redis-server",
            Command::new("redis-server")
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .arg("--tls-cert-file")
                .arg(&certificates.server_cert)
                .arg("--tls-key-file")
                .arg(&certificates.server_key)
                .arg("--tls-ca-cert-file")
                .arg(&certificates.ca)
                // Server authentication only, as managed Redis offers it.
                .args(["--tls-auth-clients", "no"]),
        )?;
        server.wait_for_port(port)?;
        Ok(Self {
            port,
            _server: server,
        })
    }

    /// The URL by the certificate's name.
    pub fn url(&self) -> String {
        format!("rediss://localhost:{}", self.port)
    }
}

/// A SCRAM user of the secure broker.
pub struct ScramUser {
    pub name: &'static str,
    pub password: &'static str,
    /// `SCRAM-SHA-256` or `SCRAM-SHA-512`, as librdkafka names them.
    pub mechanism: &'static str,
}

/// tansu requiring SASL (SCRAM) behind a stunnel TLS listener: the
/// `SASL_SSL` listener of a managed cluster. Clients reach only the TLS
/// port, which is also what the broker advertises.
pub struct SecureBroker {
    /// The TLS port clients connect to.
    pub port: u16,
    _stunnel: Server,
    _tansu: Server,
    _dir: Scratch,
}

impl SecureBroker {
    pub fn start(certificates: &Certificates, users: &[ScramUser]) -> anyhow::Result<Self> {
        let dir = Scratch::new("broker")?;
        let tansu = tansu_binary()?;
        let plain = free_port()?;
        let port = free_port()?;
        let broker = |authenticated: bool| -> anyhow::Result<Server> {
            let mut command = Command::new(&tansu);
            command
                .current_dir(&dir.0)
                .env("RUST_LOG", "warn")
                .args([
                    "broker",
                    "--listener-url",
                    &format!("tcp://127.0.0.1:{plain}"),
                ])
                // Metadata sends clients to the TLS port, never the plain one.
                .args([
                    "--advertised-listener-url",
                    &format!("tcp://127.0.0.1:{port}"),
                ])
                .args(["--storage-engine", "sqlite://tansu.db"]);
            if authenticated {
                command.arg("--authentication");
            }
            let mut server = Server::spawn("tansu", &mut command)?;
            server.wait_for_port(plain)?;
            Ok(server)
        };
        // Users are created through the broker, which then wants them to
        // authenticate first: create them on an open broker, then reopen
        // the same storage with authentication required.
        {
            let _open = broker(false)?;
            for user in users {
                let mechanism = match user.mechanism {
                    "SCRAM-SHA-256" => "scram256",
                    "SCRAM-SHA-512" => "scram512",
                    other => bail!("tansu has no SCRAM mechanism {other}"),
                };
                let output = Command::new(&tansu)
                    .current_dir(&dir.0)
                    .args([
                        "user",
                        "create",
                        "--broker",
                        &format!("tcp://127.0.0.1:{plain}"),
                    ])
                    .args(["--mechanism", mechanism, user.name, user.password])
                    .output()
                    .context("running tansu user create")?;
                if !output.status.success() {
                    bail!(
                        "tansu user create {}: {}",
                        user.name,
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            }
        }
        let tansu = broker(true)?;
        let config = dir.0.join("stunnel.conf");
        std::fs::write(
            &config,
            format!(
                "foreground = yes\npid =\n[kafka]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{plain}\ncert = {}\nkey = {}\n",
                certificates.server_cert.display(),
                certificates.server_key.display()
            ),
        )?;
        let mut stunnel = Server::spawn("stunnel4", Command::new("stunnel4").arg(&config))?;
        stunnel.wait_for_port(port)?;
        Ok(Self {
            port,
            _stunnel: stunnel,
            _tansu: tansu,
            _dir: dir,
        })
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}
