//! Keep-alive outlasts the clients' pools: a connection left idle longer
//! than actix's default 5 s keep-alive (which, measured, closes it even
//! before 5 s) is still answered, so a pooled client never sends a request
//! into a connection the server is closing.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::spawn_app;

async fn ask(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0; 4096];
    let read = stream.read(&mut buffer).await.unwrap();
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

#[tokio::test]
async fn a_connection_idle_past_actix_default_keep_alive_is_still_answered() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let first = ask(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let again = ask(&mut stream).await;
    assert!(
        again.starts_with("HTTP/1.1 200"),
        "the idle connection was closed: {again:?}"
    );
}
