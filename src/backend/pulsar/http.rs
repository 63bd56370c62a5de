//! A small HTTP client for the admin REST API and the OAuth2 token
//! endpoint: hyper with rustls, a time limit on every request, an optional
//! CA file for https.

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::error::PulsarError;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// An HTTP(S) client with a time limit per request.
#[derive(Clone)]
pub struct Http {
    client: Client<Connector, Full<Bytes>>,
    timeout: Duration,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

impl Http {
    /// A client trusting `ca_file` (PEM) when given, else the system roots.
    pub fn new(ca_file: Option<&Path>, timeout: Duration) -> Result<Http, PulsarError> {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match ca_file {
            Some(path) => {
                let mut roots = rustls::RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                    PulsarError::Config(format!("cannot read CA file {}: {e}", path.display()))
                })?;
                for cert in certs {
                    let cert = cert.map_err(|e| {
                        PulsarError::Config(format!("bad CA file {}: {e}", path.display()))
                    })?;
                    roots.add(cert).map_err(|e| {
                        PulsarError::Config(format!("bad CA in {}: {e}", path.display()))
                    })?;
                }
                let config = rustls::ClientConfig::builder()
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                builder.with_tls_config(config)
            }
            None => builder.with_native_roots().map_err(|e| {
                PulsarError::Config(format!("cannot load the system CA certificates: {e}"))
            })?,
        };
        let connector = builder.https_or_http().enable_http1().build();
        Ok(Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        })
    }

    /// Send one request.
    pub async fn request(
        &self,
        method: hyper::Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<(String, Vec<u8>)>,
    ) -> Result<Response, PulsarError> {
        let mut builder = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let body = match body {
            Some((content_type, bytes)) => {
                builder = builder.header("content-type", content_type);
                Full::new(Bytes::from(bytes))
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder
            .body(body)
            .map_err(|e| PulsarError::Http(format!("bad request to {url}: {e}")))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| PulsarError::Http(format!("{url}: {}", error_chain(&e))))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| PulsarError::Http(format!("{url}: reading the answer: {e}")))?
                .to_bytes();
            Ok(Response { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| PulsarError::Timeout {
                what: format!("HTTP request to {url}"),
                after: self.timeout,
            })?
    }

    /// GET `url` and parse the JSON answer; a non-2xx status is an error.
    pub async fn get_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<serde_json::Value, PulsarError> {
        let response = self.request(hyper::Method::GET, url, headers, None).await?;
        json_of(url, response)
    }
}

/// The JSON body of a successful answer.
pub fn json_of(url: &str, response: Response) -> Result<serde_json::Value, PulsarError> {
    if !(200..300).contains(&response.status) {
        let text = String::from_utf8_lossy(&response.body);
        let text: String = text.chars().take(200).collect();
        return Err(PulsarError::Http(format!(
            "{url} answered {}: {}",
            response.status,
            text.trim()
        )));
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| PulsarError::Http(format!("{url}: the answer is not JSON: {e}")))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
