//! `TCP_NODELAY` on the pulsar crate's broker connections.
//!
//! The crate opens its connections without `TCP_NODELAY` and offers no
//! hook to set it (the official clients set it). Without it, a small
//! command written while the one before is not yet acknowledged waits for
//! the broker's delayed acknowledgement (Nagle's algorithm; 40 ms on
//! Linux): a `peek` spent 40 ms of its first 70–110 ms waiting so, before
//! the first message. So after each step that may open a connection
//! (connecting, and opening a reader, a subscription or a producer, each
//! of which looks its topic up and may be sent to another broker), every
//! TCP socket of the process is set `TCP_NODELAY`. That is harmless to any
//! other TCP socket evscope holds (an HTTPS connection to SQS or the admin
//! API): it only sends small writes sooner. A connection the crate opens
//! again on its own after a broker restart keeps Nagle until the next such
//! step.

/// Set `TCP_NODELAY` on every TCP socket the process holds (where the
/// platform lists a process's descriptors: `/proc/self/fd` or `/dev/fd`).
pub(super) fn on_every_tcp_socket() {
    #[cfg(unix)]
    {
        let listed = std::fs::read_dir("/proc/self/fd").or_else(|_| std::fs::read_dir("/dev/fd"));
        let Ok(descriptors) = listed else {
            return;
        };
        let fds: Vec<i32> = descriptors
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .collect();
        for fd in fds {
            if is_tcp(fd) {
                let one: libc::c_int = 1;
                // SAFETY: `fd` was listed as open; setsockopt only reads
                // `one`, of the size given, and fails harmlessly on a
                // descriptor closed since.
                unsafe {
                    libc::setsockopt(
                        fd,
                        libc::IPPROTO_TCP,
                        libc::TCP_NODELAY,
                        std::ptr::from_ref(&one).cast(),
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    );
                }
            }
        }
    }
}

/// Whether `fd` is a stream socket of the internet families (TCP).
#[cfg(unix)]
fn is_tcp(fd: i32) -> bool {
    let mut address: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut kind: libc::c_int = 0;
    let mut kind_len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: each call writes at most the length it is given into a
    // buffer of that size; a descriptor that is not a socket fails.
    let (named, typed) = unsafe {
        (
            libc::getsockname(fd, std::ptr::from_mut(&mut address).cast(), &mut len),
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_TYPE,
                std::ptr::from_mut(&mut kind).cast(),
                &mut kind_len,
            ),
        )
    };
    named == 0
        && typed == 0
        && kind == libc::SOCK_STREAM
        && matches!(i32::from(address.ss_family), libc::AF_INET | libc::AF_INET6)
}

#[cfg(all(test, unix))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn every_tcp_socket_is_set_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert!(!client.nodelay().unwrap());
        assert!(!server.nodelay().unwrap());
        super::on_every_tcp_socket();
        assert!(client.nodelay().unwrap());
        assert!(server.nodelay().unwrap());
    }
}
