//! A loopback relay between the pulsar crate and a pulsar-lite broker.
//!
//! Why it exists: pulsar-lite (the embedded broker the tests run) writes
//! payload frames without the optional magic number (0x0e01) and CRC32C
//! checksum, and the pulsar crate 6.9 rejects frames without them. Its
//! lookup answers also carry its own address, which would send clients
//! around the relay. This relay sits on its own loopback port and, in the
//! broker → client direction only, adds the magic number and the checksum
//! to payload frames that lack them and rewrites lookup answers to its own
//! address. Client → broker bytes pass untouched, with one exception:
//! pulsar-lite does not implement GetTopicsOfNamespace (it logs
//! "Unsupported command type: 32" and never answers), so the relay answers
//! it itself with the topics clients created through it (producers and
//! subscriptions it saw), as a broker would list them (partitions
//! separately). It lives in the tests only: evscope itself keeps every
//! check of the crate.
//!
//! For the completeness tests it has a slow mode ([`Relay::start_shaped`]):
//! broker → client bytes go out at a bounded rate, each frame cut into
//! pieces of random size that are written (and flushed) one by one, so the
//! client sees frames split at arbitrary boundaries, as from a distant
//! broker. It drops, reorders and alters nothing, and proves it: every
//! frame and byte is counted on both sides of both directions
//! ([`Relay::tally`], [`Tally::assert_lossless`]).
//!
//! For the TLS and authentication tests (tests/pulsar_security.rs) it also
//! records the authentication each Connect carried (pulsar-lite accepts any,
//! so the relay is where a test can see what a client sent), and, once told
//! a TLS front's URL ([`Relay::advertise_tls`]), puts it in lookup answers
//! as `brokerServiceUrlTls`: a `pulsar+ssl://` client follows that field
//! only, and without it the crate finds no broker for the topic.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prost::Message as _;
use pulsar::message::proto::BaseCommand;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the relay saw clients do.
#[derive(Default)]
pub struct Seen {
    /// Topics created through the relay (full names).
    topics: BTreeSet<String>,
    /// Every subscribe: `(connection, consumer id, topic, subscription, durable, closed)`.
    subscribes: Vec<Subscribe>,
    /// The (method, data) of every Connect that carried authentication.
    auth: Vec<(String, Vec<u8>)>,
}

/// One Subscribe command a client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// The relay's number of the connection it came on (1 for the first).
    pub connection: u64,
    consumer_id: u64,
    /// The full topic name.
    pub topic: String,
    /// The subscription name.
    pub subscription: String,
    /// Whether the subscription is durable (the protocol's default is yes).
    pub durable: bool,
    /// Whether the client closed the consumer afterwards.
    pub closed: bool,
    /// The message id it starts at, as (ledger, entry), when it names one.
    pub start: Option<(u64, u64)>,
}

type Topics = Arc<Mutex<Seen>>;

const MAGIC: u16 = 0x0e01;
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// How a slow relay shapes broker → client bytes.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// At most this many bytes a second, per connection.
    pub bytes_per_sec: u64,
    /// Frames go out in pieces of 1..=`max_piece` bytes (random), each
    /// written and flushed on its own.
    pub max_piece: usize,
    /// Seed of the piece sizes.
    pub seed: u64,
    /// Drop deliveries (CommandMessage frames) of this entry id, as a
    /// faulty broker or link would: the only frames the relay does not
    /// pass, each counted ([`Tally::dropped`]). Off when `None`.
    pub drop_entry: Option<u64>,
    /// How many such deliveries to drop (over all connections).
    pub drop_times: u64,
    /// How many such deliveries to pass before dropping any.
    pub drop_after: u64,
}

/// Frames and bytes on both sides of both directions, over all connections.
#[derive(Default, Debug)]
pub struct Tally {
    /// Frames read from the broker.
    pub down_frames_read: AtomicU64,
    /// Their bytes (size prefixes included).
    pub down_bytes_read: AtomicU64,
    /// Bytes the relay added to them (checksums; rewritten lookups' growth).
    pub down_bytes_added: AtomicU64,
    /// Frames written whole to the client.
    pub down_frames_written: AtomicU64,
    /// Their bytes.
    pub down_bytes_written: AtomicU64,
    /// Frames whose write failed because the client had gone (one at most
    /// per connection: the relay stops there), and their bytes.
    pub down_frames_unwritten: AtomicU64,
    /// Bytes of those frames.
    pub down_bytes_unwritten: AtomicU64,
    /// Frames read from clients.
    pub up_frames_read: AtomicU64,
    /// Their bytes.
    pub up_bytes_read: AtomicU64,
    /// Frames written whole to the broker.
    pub up_frames_written: AtomicU64,
    /// Their bytes.
    pub up_bytes_written: AtomicU64,
    /// Frames the relay answered itself (GetTopicsOfNamespace).
    pub up_frames_answered: AtomicU64,
    /// Their bytes.
    pub up_bytes_answered: AtomicU64,
    /// Frames whose write to the broker failed (broker gone).
    pub up_frames_unwritten: AtomicU64,
    /// Their bytes.
    pub up_bytes_unwritten: AtomicU64,
    /// Frames dropped on purpose ([`Shape::drop_entry`]).
    pub down_frames_dropped: AtomicU64,
    /// Their bytes.
    pub down_bytes_dropped: AtomicU64,
    /// Connections served.
    pub connections: AtomicU64,
    /// Connections closed (their counts are final).
    pub closed: AtomicU64,
    /// Bytes of the frame being written to the client now.
    down_bytes_in_flight: AtomicU64,
    /// Bytes of the frame being written to the broker now.
    up_bytes_in_flight: AtomicU64,
}

impl Tally {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Frames dropped on purpose so far.
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn dropped(&self) -> u64 {
        Tally::get(&self.down_frames_dropped)
    }

    /// Add a closed connection's counts; a frame it was still writing
    /// when one end went away counts as unwritten.
    fn fold(&self, one: &Tally) {
        let g = Tally::get;
        let cut = |read: &AtomicU64, written: u64, unwritten: &AtomicU64| {
            g(read).saturating_sub(written + g(unwritten))
        };
        let down_cut = cut(
            &one.down_frames_read,
            g(&one.down_frames_written) + g(&one.down_frames_dropped),
            &one.down_frames_unwritten,
        );
        one.down_frames_unwritten
            .fetch_add(down_cut, Ordering::Relaxed);
        if down_cut > 0 {
            one.down_bytes_unwritten
                .fetch_add(g(&one.down_bytes_in_flight), Ordering::Relaxed);
        }
        let up_cut = cut(
            &one.up_frames_read,
            g(&one.up_frames_written) + g(&one.up_frames_answered),
            &one.up_frames_unwritten,
        );
        one.up_frames_unwritten.fetch_add(up_cut, Ordering::Relaxed);
        if up_cut > 0 {
            one.up_bytes_unwritten
                .fetch_add(g(&one.up_bytes_in_flight), Ordering::Relaxed);
        }
        for (total, part) in [
            (&self.down_frames_read, &one.down_frames_read),
            (&self.down_bytes_read, &one.down_bytes_read),
            (&self.down_bytes_added, &one.down_bytes_added),
            (&self.down_frames_written, &one.down_frames_written),
            (&self.down_bytes_written, &one.down_bytes_written),
            (&self.down_frames_unwritten, &one.down_frames_unwritten),
            (&self.down_bytes_unwritten, &one.down_bytes_unwritten),
            (&self.down_frames_dropped, &one.down_frames_dropped),
            (&self.down_bytes_dropped, &one.down_bytes_dropped),
            (&self.up_frames_read, &one.up_frames_read),
            (&self.up_bytes_read, &one.up_bytes_read),
            (&self.up_frames_written, &one.up_frames_written),
            (&self.up_bytes_written, &one.up_bytes_written),
            (&self.up_frames_answered, &one.up_frames_answered),
            (&self.up_bytes_answered, &one.up_bytes_answered),
            (&self.up_frames_unwritten, &one.up_frames_unwritten),
            (&self.up_bytes_unwritten, &one.up_bytes_unwritten),
        ] {
            total.fetch_add(g(part), Ordering::Relaxed);
        }
        self.closed.fetch_add(1, Ordering::Relaxed);
    }

    /// Panic unless every frame read on one side was written whole on the
    /// other (or answered by the relay), byte for byte, except the last
    /// frame of a connection whose other end had gone. Waits (up to 20 s)
    /// for every connection to close first: only closed ones are counted.
    pub fn assert_lossless(&self) {
        let g = Tally::get;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while g(&self.closed) < g(&self.connections) {
            assert!(
                std::time::Instant::now() < deadline,
                "relay connections still open: {self:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let summary = format!("{self:?}");
        assert_eq!(
            g(&self.down_frames_read),
            g(&self.down_frames_written)
                + g(&self.down_frames_unwritten)
                + g(&self.down_frames_dropped),
            "broker → client frames: {summary}"
        );
        assert_eq!(
            g(&self.down_bytes_read) + g(&self.down_bytes_added),
            g(&self.down_bytes_written)
                + g(&self.down_bytes_unwritten)
                + g(&self.down_bytes_dropped),
            "broker → client bytes: {summary}"
        );
        assert_eq!(
            g(&self.up_frames_read),
            g(&self.up_frames_written) + g(&self.up_frames_answered) + g(&self.up_frames_unwritten),
            "client → broker frames: {summary}"
        );
        assert_eq!(
            g(&self.up_bytes_read),
            g(&self.up_bytes_written) + g(&self.up_bytes_answered) + g(&self.up_bytes_unwritten),
            "client → broker bytes: {summary}"
        );
        let connections = g(&self.connections);
        assert!(
            g(&self.down_frames_unwritten) <= connections
                && g(&self.up_frames_unwritten) <= connections,
            "frames lost while both ends were open: {summary}"
        );
    }
}

/// A running relay; it lives as long as the test process.
pub struct Relay {
    /// The address clients connect to.
    pub addr: SocketAddr,
    seen: Topics,
    tally: Arc<Tally>,
    /// Bumped by [`Relay::cut`]: connections of an older generation close.
    cuts: Arc<AtomicU64>,
    /// While set, new connections are closed as soon as they are accepted.
    refusing: Arc<std::sync::atomic::AtomicBool>,
    /// The `pulsar+ssl://` URL lookup answers name, once a TLS front is in front.
    #[allow(dead_code)] // read by tests/pulsar_security.rs only
    tls_url: Arc<Mutex<Option<String>>>,
}

impl Relay {
    /// Start relaying a fresh loopback port to `upstream`, on a thread of
    /// its own (its own runtime), so any test can use it.
    pub fn start(upstream: SocketAddr) -> Relay {
        Relay::start_with(upstream, None, Topics::default())
    }

    /// Another relay to the same broker, knowing the same topics, that
    /// can be cut without cutting this one.
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn twin(&self, upstream: SocketAddr) -> Relay {
        Relay::start_with(upstream, None, self.seen.clone())
    }

    /// Close every open connection at once, as a broken link would (the
    /// counts of a frame cut midway go to the unwritten ones); with
    /// `refuse`, close new connections too until [`Relay::accept`].
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn cut(&self, refuse: bool) {
        self.refusing.store(refuse, Ordering::SeqCst);
        self.cuts.fetch_add(1, Ordering::SeqCst);
    }

    /// Accept connections again after [`Relay::cut`].
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn accept(&self) {
        self.refusing.store(false, Ordering::SeqCst);
    }

    /// A slow relay to the same broker as `self` (see [`Shape`]), which
    /// knows the topics `self` saw (for GetTopicsOfNamespace).
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn shaped_twin(&self, upstream: SocketAddr, shape: Shape) -> Relay {
        Relay::start_with(upstream, Some(shape), self.seen.clone())
    }

    fn start_with(upstream: SocketAddr, shape: Option<Shape>, seen: Topics) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("relay bind");
        listener.set_nonblocking(true).expect("relay nonblocking");
        let addr = listener.local_addr().expect("relay addr");
        let topics = seen.clone();
        let tls_url: Arc<Mutex<Option<String>>> = Arc::default();
        let tls = tls_url.clone();
        let tally = Arc::new(Tally::default());
        let counts = tally.clone();
        let cuts = Arc::new(AtomicU64::new(0));
        let refusing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (cut, refuse) = (cuts.clone(), refusing.clone());
        let drops_left = Arc::new(AtomicU64::new(shape.map_or(0, |s| s.drop_times)));
        let passes_left = Arc::new(AtomicU64::new(shape.map_or(0, |s| s.drop_after)));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("relay runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("relay listener");
                let mut connection = 0;
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    if refuse.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    connection += 1;
                    let urls = Urls {
                        plain: format!("pulsar://{addr}"),
                        tls: tls.lock().expect("relay TLS URL").clone(),
                    };
                    let link = Link {
                        connection,
                        shape: shape.map(|s| Shape {
                            seed: s.seed ^ connection.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                            ..s
                        }),
                        tally: counts.clone(),
                        drops_left: drops_left.clone(),
                        passes_left: passes_left.clone(),
                        cuts: cut.clone(),
                    };
                    counts.connections.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(serve(client, upstream, urls, topics.clone(), link));
                }
            });
        });
        Relay {
            addr,
            seen,
            tally,
            cuts,
            refusing,
            tls_url,
        }
    }

    /// What the relay counted so far.
    #[allow(dead_code)] // used by tests/pulsar.rs only
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The Subscribe commands clients sent for `topic` (full name).
    pub fn subscribes(&self, topic: &str) -> Vec<Subscribe> {
        let seen = self.seen.lock().expect("relay state");
        seen.subscribes
            .iter()
            .filter(|s| s.topic == topic)
            .cloned()
            .collect()
    }

    /// The service URL clients use.
    pub fn url(&self) -> String {
        format!("pulsar://{}", self.addr)
    }
}

// For tests/pulsar_security.rs; tests/pulsar.rs includes this file too.
#[allow(dead_code)]
impl Relay {
    /// From now on, lookup answers name `url` (a TLS front forwarding to
    /// this relay) as the broker's TLS address.
    pub fn advertise_tls(&self, url: &str) {
        *self.tls_url.lock().expect("relay TLS URL") = Some(url.to_string());
    }

    /// The (method, data) of every Connect so far that carried authentication.
    pub fn auth_sent(&self) -> Vec<(String, Vec<u8>)> {
        self.seen.lock().expect("relay state").auth.clone()
    }
}

/// The broker addresses lookup answers name: this relay, and its TLS front.
struct Urls {
    plain: String,
    tls: Option<String>,
}

/// One client connection's number, shaping and counters.
struct Link {
    connection: u64,
    shape: Option<Shape>,
    tally: Arc<Tally>,
    /// Deliveries still to drop (shared by all connections).
    drops_left: Arc<AtomicU64>,
    /// Deliveries still to pass before dropping (shared).
    passes_left: Arc<AtomicU64>,
    /// The relay's cut generation (see [`Relay::cut`]).
    cuts: Arc<AtomicU64>,
}

impl Link {
    /// Whether to drop this broker frame (see [`Shape::drop_entry`]).
    fn drops(&self, frame: &[u8]) -> bool {
        let Some(entry) = self.shape.and_then(|s| s.drop_entry) else {
            return false;
        };
        let command = frame
            .get(0..4)
            .and_then(|b| b.try_into().ok())
            .map(|b| u32::from_be_bytes(b) as usize)
            .and_then(|size| frame.get(4..4 + size))
            .and_then(|bytes| BaseCommand::decode(bytes).ok());
        let hit = command
            .and_then(|c| c.message)
            .is_some_and(|m| m.message_id.entry_id == entry);
        if hit
            && self
                .passes_left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
        {
            return false;
        }
        hit && self
            .drops_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

async fn serve(client: TcpStream, upstream: SocketAddr, urls: Urls, topics: Topics, link: Link) {
    let total = link.tally.clone();
    let connection = link.connection;
    let one = Arc::new(Tally::default());
    let link = Link {
        tally: one.clone(),
        ..link
    };
    let tally = link.tally.clone();
    let _ = client.set_nodelay(true);
    let Ok(broker) = TcpStream::connect(upstream).await else {
        total.fold(&one);
        return; // the broker is down: the client sees the connection close
    };
    let _ = broker.set_nodelay(true);
    let (mut client_read, client_write) = client.into_split();
    let (broker_read, mut broker_write) = broker.into_split();
    let (answers, answers_rx) = mpsc::unbounded_channel();
    let up = async {
        let mut from = tokio::io::BufReader::with_capacity(256 * 1024, &mut client_read);
        let mut frame = Vec::new();
        while let Ok(size) = from.read_u32().await {
            frame.resize(size as usize, 0);
            if from.read_exact(&mut frame).await.is_err() {
                break;
            }
            let bytes = 4 + frame.len();
            Tally::add(&tally.up_frames_read, 1);
            Tally::add(&tally.up_bytes_read, bytes);
            if let Some(answer) = client_frame(&frame, &topics, connection) {
                Tally::add(&tally.up_frames_answered, 1);
                Tally::add(&tally.up_bytes_answered, bytes);
                let _ = answers.send(answer);
                continue;
            }
            tally
                .up_bytes_in_flight
                .store(bytes as u64, Ordering::Relaxed);
            if broker_write.write_u32(size).await.is_err()
                || broker_write.write_all(&frame).await.is_err()
            {
                Tally::add(&tally.up_frames_unwritten, 1);
                Tally::add(&tally.up_bytes_unwritten, bytes);
                break;
            }
            Tally::add(&tally.up_frames_written, 1);
            Tally::add(&tally.up_bytes_written, bytes);
        }
        let _ = broker_write.shutdown().await;
    };
    let down = fix_frames(broker_read, client_write, urls, answers_rx, &link);
    let generation = link.cuts.load(Ordering::SeqCst);
    let cut = async {
        while link.cuts.load(Ordering::SeqCst) == generation {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
        _ = cut => {}
    }
    total.fold(&one);
}

/// Copy broker frames to the client, fixing payload frames and lookups.
async fn fix_frames(
    from: tokio::net::tcp::OwnedReadHalf,
    to: tokio::net::tcp::OwnedWriteHalf,
    urls: Urls,
    mut answers: mpsc::UnboundedReceiver<Vec<u8>>,
    link: &Link,
) {
    let tally = &link.tally;
    let mut from = tokio::io::BufReader::with_capacity(256 * 1024, from);
    let mut to = Pace::new(to, link.shape);
    let mut frame = Vec::new();
    loop {
        let size = tokio::select! {
            size = from.read_u32() => match size {
                Ok(size) => size as usize,
                Err(_) => break,
            },
            Some(answer) = answers.recv() => {
                if to.write(&answer).await.is_err() || to.flush().await.is_err() {
                    break;
                }
                continue;
            }
        };
        frame.resize(size, 0);
        if from.read_exact(&mut frame).await.is_err() {
            break;
        }
        Tally::add(&tally.down_frames_read, 1);
        Tally::add(&tally.down_bytes_read, 4 + size);
        if link.drops(&frame) {
            Tally::add(&tally.down_frames_dropped, 1);
            Tally::add(&tally.down_bytes_dropped, 4 + size);
            continue;
        }
        let out = fix_frame(&frame, &urls);
        let bytes = out.as_deref().unwrap_or(&frame);
        // Fixed frames only grow (a checksum, a longer address).
        Tally::add(&tally.down_bytes_added, bytes.len().saturating_sub(size));
        let mut whole = Vec::with_capacity(4 + bytes.len());
        whole.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        whole.extend_from_slice(bytes);
        tally
            .down_bytes_in_flight
            .store(whole.len() as u64, Ordering::Relaxed);
        if to.write(&whole).await.is_err() {
            Tally::add(&tally.down_frames_unwritten, 1);
            Tally::add(&tally.down_bytes_unwritten, whole.len());
            break;
        }
        Tally::add(&tally.down_frames_written, 1);
        Tally::add(&tally.down_bytes_written, whole.len());
        // Flush when nothing more is buffered, so answers go out at once.
        if from.buffer().is_empty() && to.flush().await.is_err() {
            break;
        }
    }
    let _ = to.flush().await;
    let _ = to.inner.shutdown().await;
}

/// The client side of a connection: buffered, or (shaped) slow and in
/// pieces of random size.
struct Pace {
    inner: tokio::io::BufWriter<tokio::net::tcp::OwnedWriteHalf>,
    shape: Option<Shape>,
    /// xorshift64 state for piece sizes: a test needs no more randomness
    /// than this, and no crate for it.
    state: u64,
    /// When the link is free again.
    free_at: tokio::time::Instant,
}

impl Pace {
    fn new(to: tokio::net::tcp::OwnedWriteHalf, shape: Option<Shape>) -> Pace {
        Pace {
            inner: tokio::io::BufWriter::with_capacity(256 * 1024, to),
            state: shape.map_or(1, |s| s.seed | 1),
            shape,
            free_at: tokio::time::Instant::now(),
        }
    }

    fn random(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    async fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        let Some(shape) = self.shape else {
            return self.inner.write_all(bytes).await;
        };
        while !bytes.is_empty() {
            let piece = 1 + (self.random() % shape.max_piece.max(1) as u64) as usize;
            let (now, rest) = bytes.split_at(piece.min(bytes.len()));
            self.inner.write_all(now).await?;
            self.inner.flush().await?;
            bytes = rest;
            let cost = Duration::from_secs_f64(now.len() as f64 / shape.bytes_per_sec as f64);
            self.free_at = self.free_at.max(tokio::time::Instant::now()) + cost;
            // Sleep in steps the timer can keep.
            if self.free_at > tokio::time::Instant::now() + Duration::from_millis(2) {
                tokio::time::sleep_until(self.free_at).await;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().await
    }
}

/// A client frame: note the topics producers and consumers use; answer
/// GetTopicsOfNamespace (returns the whole answer frame, size included).
fn client_frame(frame: &[u8], topics: &Topics, connection: u64) -> Option<Vec<u8>> {
    let command_size = u32::from_be_bytes(frame.get(0..4)?.try_into().ok()?) as usize;
    let command = BaseCommand::decode(frame.get(4..4 + command_size)?).ok()?;
    let mut seen = topics.lock().ok()?;
    if let Some(c) = &command.connect {
        if let Some(method) = &c.auth_method_name {
            seen.auth
                .push((method.clone(), c.auth_data.clone().unwrap_or_default()));
        }
    }
    if let Some(p) = &command.producer {
        seen.topics.insert(p.topic.clone());
    }
    if let Some(s) = &command.subscribe {
        seen.topics.insert(s.topic.clone());
        seen.subscribes.push(Subscribe {
            connection,
            consumer_id: s.consumer_id,
            topic: s.topic.clone(),
            subscription: s.subscription.clone(),
            durable: s.durable != Some(false),
            closed: false,
            start: s
                .start_message_id
                .as_ref()
                .map(|id| (id.ledger_id, id.entry_id)),
        });
    }
    if let Some(c) = &command.close_consumer {
        for s in seen.subscribes.iter_mut() {
            if s.connection == connection && s.consumer_id == c.consumer_id {
                s.closed = true;
            }
        }
    }
    let known = &seen.topics;
    let request = command.get_topics_of_namespace.as_ref()?;
    let prefix = format!("://{}/", request.namespace);
    let listed: Vec<String> = known
        .iter()
        .filter(|t| t.contains(&prefix))
        .cloned()
        .collect();
    let answer = BaseCommand {
        r#type: pulsar::proto::base_command::Type::GetTopicsOfNamespaceResponse as i32,
        get_topics_of_namespace_response: Some(
            pulsar::proto::CommandGetTopicsOfNamespaceResponse {
                request_id: request.request_id,
                topics: listed,
                ..Default::default()
            },
        ),
        ..Default::default()
    }
    .encode_to_vec();
    let mut out = Vec::with_capacity(answer.len() + 8);
    out.extend_from_slice(&(answer.len() as u32 + 4).to_be_bytes());
    out.extend_from_slice(&(answer.len() as u32).to_be_bytes());
    out.extend_from_slice(&answer);
    Some(out)
}

/// The frame (without its size prefix) rewritten, or `None` to pass it as is.
fn fix_frame(frame: &[u8], urls: &Urls) -> Option<Vec<u8>> {
    let command_size = u32::from_be_bytes(frame.get(0..4)?.try_into().ok()?) as usize;
    let command_bytes = frame.get(4..4 + command_size)?;
    let rest = &frame[4 + command_size..];
    let mut command = None;
    if let Ok(mut decoded) = BaseCommand::decode(command_bytes) {
        if let Some(lookup) = decoded.lookup_topic_response.as_mut() {
            lookup.broker_service_url = Some(urls.plain.clone());
            lookup.broker_service_url_tls = urls.tls.clone();
            command = Some(decoded.encode_to_vec());
        }
    }
    let needs_checksum = !rest.is_empty() && rest.get(0..2) != Some(&MAGIC.to_be_bytes()[..]);
    if command.is_none() && !needs_checksum {
        return None;
    }
    let command = command.as_deref().unwrap_or(command_bytes);
    let mut out = Vec::with_capacity(frame.len() + 64);
    out.extend_from_slice(&(command.len() as u32).to_be_bytes());
    out.extend_from_slice(command);
    if needs_checksum {
        out.extend_from_slice(&MAGIC.to_be_bytes());
        out.extend_from_slice(&CRC32C.checksum(rest).to_be_bytes());
    }
    out.extend_from_slice(rest);
    Some(out)
}
