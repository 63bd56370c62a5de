//! A loopback OAuth2 issuer for the Pulsar authentication tests: it serves
//! `/.well-known/openid-configuration` (naming its `/token` endpoint) and
//! answers the client-credentials POST there with an access token, or
//! refuses it with 401, and records every request it got.
//!
//! Why it exists: evscope fetches OAuth2 tokens itself (discovery, then a
//! form POST) and hands them to the pulsar crate; pulsar-lite checks no
//! credentials, so a test can only prove the flow by looking at both ends:
//! what this issuer received, and which token the relay saw in Connect.
//! It is plain HTTP/1.1 on a raw TCP listener, one request per connection,
//! just enough for evscope's hyper client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// How the token endpoint answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with this access token, valid for an hour.
    Token(String),
    /// 200 with this access token and this `expires_in` (any JSON number).
    TokenLasting(String, serde_json::Value),
    /// 401 `invalid_client`.
    Refuse,
}

/// One request the issuer got.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The content-type header.
    pub content_type: Option<String>,
    /// The decoded form fields of the body.
    pub form: BTreeMap<String, String>,
}

/// A running issuer; it lives as long as the test process.
pub struct Issuer {
    /// Its address.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Issuer {
    /// Serve on a fresh loopback port, on a thread of its own.
    pub fn start(answer: Answer) -> Issuer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("issuer bind");
        listener.set_nonblocking(true).expect("issuer nonblocking");
        let addr = listener.local_addr().expect("issuer addr");
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let log = requests.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("issuer runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("issuer listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(stream, addr, answer.clone(), log.clone()));
                }
            });
        });
        Issuer { addr, requests }
    }

    /// The issuer URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("issuer log").clone()
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    me: SocketAddr,
    answer: Answer,
    log: Arc<Mutex<Vec<Request>>>,
) {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    if stream.read_line(&mut line).await.is_err() {
        return;
    }
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if stream.read_line(&mut header).await.unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_lowercase(), value.trim().to_string());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if stream.read_exact(&mut body).await.is_err() {
        return;
    }
    log.lock().expect("issuer log").push(Request {
        method: method.clone(),
        path: path.clone(),
        content_type: headers.get("content-type").cloned(),
        form: form_decode(&String::from_utf8_lossy(&body)),
    });
    let (status, json) = match (method.as_str(), path.as_str(), &answer) {
        ("GET", "/.well-known/openid-configuration", _) => (
            "200 OK",
            serde_json::json!({"issuer": format!("http://{me}"), "token_endpoint": format!("http://{me}/token")}),
        ),
        ("POST", "/token", Answer::Token(token)) => (
            "200 OK",
            serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}),
        ),
        ("POST", "/token", Answer::TokenLasting(token, expires_in)) => (
            "200 OK",
            serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in}),
        ),
        ("POST", "/token", Answer::Refuse) => (
            "401 Unauthorized",
            serde_json::json!({"error": "invalid_client", "error_description": "unknown client"}),
        ),
        _ => ("404 Not Found", serde_json::json!({"error": "not_found"})),
    };
    let json = json.to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    );
    let mut stream = stream.into_inner();
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Decode an `application/x-www-form-urlencoded` body.
fn form_decode(body: &str) -> BTreeMap<String, String> {
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                    i += 2;
                }
                byte => out.push(byte),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}
