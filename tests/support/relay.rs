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
//! For the TLS and authentication tests (tests/pulsar_security.rs) it also
//! records the authentication each Connect carried (pulsar-lite accepts any,
//! so the relay is where a test can see what a client sent), and, once told
//! a TLS front's URL ([`Relay::advertise_tls`]), puts it in lookup answers
//! as `brokerServiceUrlTls`: a `pulsar+ssl://` client follows that field
//! only, and without it the crate finds no broker for the topic.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

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
    connection: u64,
    consumer_id: u64,
    /// The full topic name.
    pub topic: String,
    /// The subscription name.
    pub subscription: String,
    /// Whether the subscription is durable (the protocol's default is yes).
    pub durable: bool,
    /// Whether the client closed the consumer afterwards.
    pub closed: bool,
}

type Topics = Arc<Mutex<Seen>>;

const MAGIC: u16 = 0x0e01;
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// A running relay; it lives as long as the test process.
pub struct Relay {
    /// The address clients connect to.
    pub addr: SocketAddr,
    seen: Topics,
    /// The `pulsar+ssl://` URL lookup answers name, once a TLS front is in front.
    #[allow(dead_code)] // read by tests/pulsar_security.rs only
    tls_url: Arc<Mutex<Option<String>>>,
}

impl Relay {
    /// Start relaying a fresh loopback port to `upstream`, on a thread of
    /// its own (its own runtime), so any test can use it.
    pub fn start(upstream: SocketAddr) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("relay bind");
        listener.set_nonblocking(true).expect("relay nonblocking");
        let addr = listener.local_addr().expect("relay addr");
        let seen = Topics::default();
        let topics = seen.clone();
        let tls_url: Arc<Mutex<Option<String>>> = Arc::default();
        let tls = tls_url.clone();
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
                    connection += 1;
                    let urls = Urls {
                        plain: format!("pulsar://{addr}"),
                        tls: tls.lock().expect("relay TLS URL").clone(),
                    };
                    tokio::spawn(serve(client, upstream, urls, topics.clone(), connection));
                }
            });
        });
        Relay {
            addr,
            seen,
            tls_url,
        }
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

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    urls: Urls,
    topics: Topics,
    connection: u64,
) {
    let _ = client.set_nodelay(true);
    let Ok(broker) = TcpStream::connect(upstream).await else {
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
            if let Some(answer) = client_frame(&frame, &topics, connection) {
                let _ = answers.send(answer);
                continue;
            }
            if broker_write.write_u32(size).await.is_err()
                || broker_write.write_all(&frame).await.is_err()
            {
                break;
            }
        }
        let _ = broker_write.shutdown().await;
    };
    let down = fix_frames(broker_read, client_write, urls, answers_rx);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

/// Copy broker frames to the client, fixing payload frames and lookups.
async fn fix_frames(
    from: tokio::net::tcp::OwnedReadHalf,
    to: tokio::net::tcp::OwnedWriteHalf,
    urls: Urls,
    mut answers: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut from = tokio::io::BufReader::with_capacity(256 * 1024, from);
    let mut to = tokio::io::BufWriter::with_capacity(256 * 1024, to);
    let mut frame = Vec::new();
    loop {
        let size = tokio::select! {
            size = from.read_u32() => match size {
                Ok(size) => size as usize,
                Err(_) => break,
            },
            Some(answer) = answers.recv() => {
                if to.write_all(&answer).await.is_err() || to.flush().await.is_err() {
                    break;
                }
                continue;
            }
        };
        frame.resize(size, 0);
        if from.read_exact(&mut frame).await.is_err() {
            break;
        }
        let out = fix_frame(&frame, &urls);
        let bytes = out.as_deref().unwrap_or(&frame);
        if to.write_u32(bytes.len() as u32).await.is_err() || to.write_all(bytes).await.is_err() {
            break;
        }
        // Flush when nothing more is buffered, so answers go out at once.
        if from.buffer().is_empty() && to.flush().await.is_err() {
            break;
        }
    }
    let _ = to.flush().await;
    let _ = to.shutdown().await;
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
