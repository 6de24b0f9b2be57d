//! A TCP proxy in front of Postgres that a test can cut or slow down, to
//! make Postgres "go down" or "black-hole" for one service while the shared
//! server keeps running. Real Postgres behind it: it only moves bytes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct PgProxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    /// Added to every answer from Postgres, in ms.
    delay_ms: Arc<AtomicU64>,
}

impl PgProxy {
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let target = target.to_owned();
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (accepting, cuts, delay) = (up.clone(), cut.clone(), delay_ms.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue;
                }
                let target = target.clone();
                let mut cuts = cuts.subscribe();
                let delay = delay.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let requests = tokio::io::copy(&mut client_read, &mut server_write);
                    let answers = async {
                        let mut buffer = vec![0u8; 64 * 1024];
                        loop {
                            let n = server_read.read(&mut buffer).await?;
                            if n == 0 {
                                return Ok::<_, std::io::Error>(());
                            }
                            let pause = delay.load(Ordering::SeqCst);
                            if pause > 0 {
                                tokio::time::sleep(Duration::from_millis(pause)).await;
                            }
                            client_write.write_all(&buffer[..n]).await?;
                        }
                    };
                    tokio::select! {
                        _ = requests => {}
                        _ = answers => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Self {
            port,
            up,
            cut,
            delay_ms,
        }
    }

    /// Every answer from Postgres takes `ms` longer from now on.
    pub fn slow_down(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Postgres is down: open connections drop, new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
