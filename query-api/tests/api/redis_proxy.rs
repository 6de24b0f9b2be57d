//! A TCP proxy in front of Redis that notes every round trip: each burst of
//! requests one connection sends before Redis answers, with the command
//! names in it. Counting on the wire, not in the service, means a round
//! trip the service makes cannot go uncounted.
//!
//! It runs on a thread of its own, so it keeps forwarding while a test's
//! runtime is blocked (the environment deletes its keys through it on drop).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Trips = Arc<Mutex<Vec<Vec<String>>>>;

pub struct RedisProxy {
    url: String,
    trips: Trips,
}

impl RedisProxy {
    /// In front of the Redis `target_url` names.
    pub fn start(target_url: &str) -> Self {
        let info = redis::IntoConnectionInfo::into_connection_info(target_url)
            .expect("TEST_REDIS_URL parses");
        let target = match &info.addr {
            redis::ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
            other => panic!("the proxy speaks plain TCP, not {other:?}"),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!(
            "redis://127.0.0.1:{}/{}",
            listener.local_addr().unwrap().port(),
            info.redis.db
        );
        let trips = Trips::default();
        let noted = trips.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(forward(client, target.clone(), noted.clone()));
                }
            });
        });
        Self { url, trips }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The round trips since the last call, each as its command names.
    pub fn take(&self) -> Vec<Vec<String>> {
        std::mem::take(&mut *self.trips.lock().unwrap())
    }
}

/// Requests are noted before they are forwarded, so an answer always finds
/// the burst it answers noted.
async fn forward(client: TcpStream, target: String, trips: Trips) {
    let Ok(server) = TcpStream::connect(&target).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let burst = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sent = burst.clone();
    let requests = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = client_read.read(&mut buffer).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            sent.lock().unwrap().extend_from_slice(&buffer[..n]);
            server_write.write_all(&buffer[..n]).await?;
        }
    };
    let answers = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = server_read.read(&mut buffer).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            let asked = std::mem::take(&mut *burst.lock().unwrap());
            if !asked.is_empty() {
                trips.lock().unwrap().push(command_names(&asked));
            }
            client_write.write_all(&buffer[..n]).await?;
        }
    };
    let _ = tokio::join!(requests, answers);
}

/// The name of each command in `raw` (RESP arrays of bulk strings).
fn command_names(mut raw: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    while let Some((name, rest)) = command(raw) {
        names.push(name);
        raw = rest;
    }
    names
}

fn command(raw: &[u8]) -> Option<(String, &[u8])> {
    let (count, mut rest) = line(raw.strip_prefix(b"*")?)?;
    let mut name = None;
    for _ in 0..count {
        let (len, after) = line(rest.strip_prefix(b"$")?)?;
        let arg = after.get(..len)?;
        name.get_or_insert_with(|| String::from_utf8_lossy(arg).to_uppercase());
        rest = after.get(len + 2..)?;
    }
    Some((name.unwrap_or_default(), rest))
}

/// A number ending in CRLF, and what follows.
fn line(raw: &[u8]) -> Option<(usize, &[u8])> {
    let end = raw.windows(2).position(|w| w == b"\r\n")?;
    let number = std::str::from_utf8(&raw[..end]).ok()?.parse().ok()?;
    Some((number, &raw[end + 2..]))
}

#[test]
fn names_come_from_each_array_in_a_burst() {
    let raw = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$7\r\nevalsha\r\n$2\r\nab\r\n$1\r\n0\r\n";
    assert_eq!(command_names(raw), ["GET", "EVALSHA"]);
}
