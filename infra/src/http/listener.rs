//! The listening socket each service serves on, with a deep accept queue.
//! `std::net::TcpListener::bind` listens with a backlog of 128, and actix
//! keeps the backlog of a listener it is handed: at a booking opening,
//! thousands of fans connecting within a second overflowed it while the
//! workers were busy (`TcpExtListenOverflows` counted 93 in one overload
//! run); the kernel then drops the SYN, the client retries after 1, 3 and
//! 7 s and finally reads a timeout for a request the server never saw.

use std::io;
use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

use super::connections::LISTEN_BACKLOG;

/// Binds `addr` and listens with `LISTEN_BACKLOG` (port 0: an ephemeral
/// port, as in tests).
pub fn bind_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std's bind does: a restarted service rebinds its port at once.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(i32::try_from(LISTEN_BACKLOG).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_listens_on_an_ephemeral_port_and_accepts() {
        let listener = bind_listener("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (_, peer) = listener.accept().unwrap();
        assert!(peer.ip().is_loopback());
    }
}
