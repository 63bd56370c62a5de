//! Connecting: service URL, TLS, authentication, and time limits on the
//! crate's retries so an unreachable broker fails in seconds, not minutes.

use std::time::Duration;

use pulsar::{
    ConnectionRetryOptions, OperationRetryOptions, Pulsar, TokioExecutor,
    authentication::Authentication,
};

use super::auth::OAuth2;
use super::error::PulsarError;
use super::http::Http;
use super::options::{Auth, Settings};

/// A connected client and the settings it was made with.
#[derive(Clone)]
pub struct Client {
    /// The crate's client.
    pub pulsar: Pulsar<TokioExecutor>,
    /// `pulsar://host:port`.
    pub url: String,
    /// Merged settings.
    pub settings: Settings,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("url", &self.url).finish()
    }
}

impl Client {
    /// Connect to `url` (`pulsar://` or `pulsar+ssl://`).
    pub async fn connect(url: &str, settings: &Settings) -> Result<Client, PulsarError> {
        let limit = settings.timeout;
        let mut builder = Pulsar::builder(url, TokioExecutor)
            .with_connection_retry_options(ConnectionRetryOptions {
                min_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(500),
                max_retries: 2,
                connection_timeout: limit,
                keep_alive: Duration::from_secs(30),
                connection_max_idle: Duration::from_secs(300),
            })
            .with_operation_retry_options(OperationRetryOptions {
                operation_timeout: limit,
                retry_delay: Duration::from_millis(200),
                max_retries: Some(3),
            })
            .with_outbound_channel_size(1000);
        if let Some(ca) = &settings.ca_file {
            builder = builder.with_certificate_chain_file(ca).map_err(|e| {
                PulsarError::Config(format!("cannot read CA file {}: {e}", ca.display()))
            })?;
        }
        if settings.allow_insecure {
            builder = builder.with_allow_insecure_connection(true);
        }
        if !settings.hostname_verification {
            builder = builder.with_tls_hostname_verification_enabled(false);
        }
        match &settings.auth {
            Auth::None => {}
            Auth::Token(token) => {
                builder = builder.with_auth(pulsar::Authentication {
                    name: "token".into(),
                    data: token.clone().into_bytes(),
                });
            }
            Auth::OAuth2(options) => {
                let http = Http::new(settings.ca_file.as_deref(), limit)?;
                let provider: Box<dyn Authentication> =
                    Box::new(OAuth2::new(options.clone(), http)?);
                builder = builder.with_auth_provider(provider);
            }
        }
        tracing::info!(url, timeout = ?limit, "connecting to Pulsar");
        // Connecting retries a few times; bound the whole of it.
        let pulsar = match super::error::bounded(
            format!("connecting to {url}"),
            limit * 2,
            url,
            builder.build(),
        )
        .await
        {
            Err(PulsarError::Unreachable { url: at, reason })
                if url.starts_with("pulsar+ssl://") =>
            {
                let reason = match tls_failure(url, settings).await {
                    Some(why) => format!("TLS failed: {why} (check --pulsar-ca)"),
                    None => reason,
                };
                return Err(PulsarError::Unreachable { url: at, reason });
            }
            other => other?,
        };
        super::nodelay::on_every_tcp_socket();
        Ok(Client {
            pulsar,
            url: url.to_string(),
            settings: settings.clone(),
        })
    }

    /// [`Client::op`] for an operation that may open a connection to
    /// another broker (a reader, a subscription, a producer: each looks its
    /// topic up): its sockets are then set `TCP_NODELAY` (see
    /// [`super::nodelay`]).
    pub async fn open<T>(
        &self,
        what: impl Into<String>,
        future: impl std::future::Future<Output = Result<T, pulsar::Error>>,
    ) -> Result<T, PulsarError> {
        let opened = self.op(what, future).await;
        super::nodelay::on_every_tcp_socket();
        opened
    }

    /// Run a crate operation with the configured time limit.
    pub async fn op<T>(
        &self,
        what: impl Into<String>,
        future: impl std::future::Future<Output = Result<T, pulsar::Error>>,
    ) -> Result<T, PulsarError> {
        super::error::bounded(what, self.settings.timeout, &self.url, future).await
    }
}

/// Why a TLS handshake with the broker of `url` fails, if it does. The
/// crate reports a failed handshake only as "fatal error when connecting to
/// the Pulsar server", so after a failed connect evscope shakes hands once
/// more as the crate does (native-tls, the same CA file and checks) to say
/// why. `None` when the broker cannot be reached or the handshake succeeds.
async fn tls_failure(url: &str, settings: &Settings) -> Option<String> {
    let address = url.strip_prefix("pulsar+ssl://")?;
    let address = address.split('/').next()?;
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !port.ends_with(']') => (host, port.parse().ok()?),
        _ => (address, 6651),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(ca) = &settings.ca_file {
        for cert in native_tls::Certificate::stack_from_pem(&std::fs::read(ca).ok()?).ok()? {
            builder.add_root_certificate(cert);
        }
    }
    builder.danger_accept_invalid_hostnames(
        settings.allow_insecure || !settings.hostname_verification,
    );
    builder.danger_accept_invalid_certs(settings.allow_insecure);
    let connector = tokio_native_tls::TlsConnector::from(builder.build().ok()?);
    let handshake = async {
        let stream = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        connector.connect(host, stream).await.err()
    };
    let error = tokio::time::timeout(settings.timeout, handshake)
        .await
        .ok()??;
    Some(error.to_string())
}
