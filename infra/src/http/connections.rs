//! How long both APIs keep a connection, chosen so that a client never
//! sends a request on a connection the server is already closing.
//!
//! actix closes an idle keep-alive connection after 5 s by default. Clients
//! that pool connections (Go's `net/http`, which k6 uses, keeps idle ones
//! for 90 s; browsers, reqwest, Node's agents likewise keep them longer than
//! 5 s) may pick that connection for their next request in the same instant
//! the server closes it: the request meets a FIN/RST and the client reads
//! `EOF` or "connection reset". Go does not retry a POST on a reused
//! connection, so that is a failed booking. The server must therefore be
//! the side that waits longest: its idle timeout sits above the clients'.

use std::time::Duration;

/// Idle keep-alive: above Go's 90 s `IdleConnTimeout` (and the 60 s idle
/// timeout of the common load balancers in front of us), so the client or
/// the proxy always closes an idle connection first.
pub const KEEP_ALIVE: Duration = Duration::from_secs(120);

/// Time for a client to send the request head once connected (actix: 5 s).
/// On a loaded 2-core host a fresh connection can wait over 5 s in the
/// accept queue and for a worker; actix would then answer 408 and close.
/// 30 s still frees slowloris connections.
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Time to let a response flush before closing the socket after the
/// server decided to close it (shutdown, `Connection: close`); actix's
/// default 0 can cut the last bytes off.
pub const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections the kernel queues for accepting (std listens with 128; see
/// `listener`). Linux caps this at `net.core.somaxconn` (4096 by default
/// since 5.4): raise that on the hosts to use all of it.
pub const LISTEN_BACKLOG: u32 = 8192;
