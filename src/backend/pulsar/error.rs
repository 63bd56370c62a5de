//! Pulsar errors, each turned into one sentence that says what to do.

use std::time::Duration;

use crate::backend::BackendError;

/// Why a connection the broker (or the network) closed is unreachable.
pub(super) const LOST: &str = "the connection was lost";

/// Why a Pulsar operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PulsarError {
    /// Settings (flags, client.conf, token file) are wrong.
    #[error("{0}")]
    Config(String),
    /// The broker cannot be reached.
    #[error("cannot reach the Pulsar broker at {url}: {reason}")]
    Unreachable {
        /// The service URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// The broker refused our credentials.
    #[error(
        "authentication failed: {0} (check --pulsar-token, --pulsar-token-file or the OAuth2 settings)"
    )]
    Auth(String),
    /// No answer in time.
    #[error("{what} timed out after {secs}s (raise --pulsar-timeout if the broker is just slow)", secs = .after.as_secs_f32())]
    Timeout {
        /// The operation.
        what: String,
        /// The limit.
        after: Duration,
    },
    /// The topic does not exist.
    #[error("topic {topic} does not exist{hint}")]
    NoTopic {
        /// The full topic name.
        topic: String,
        /// Which topics the namespace has, when useful.
        hint: String,
    },
    /// Any other broker or client error.
    #[error("{0}")]
    Broker(String),
    /// An HTTP call (admin REST, OAuth2 token endpoint) failed.
    #[error("{0}")]
    Http(String),
    /// Messages that exist could not be read, per partition (everything
    /// else was handed over).
    #[error("{}", unread_text(.0))]
    Incomplete(Vec<super::complete::Unread>),
}

fn unread_text(unread: &[super::complete::Unread]) -> String {
    let parts: Vec<String> = unread.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl PulsarError {
    /// As a backend error for `uri`.
    pub fn at(self, uri: &str) -> BackendError {
        match self {
            PulsarError::NoTopic { .. } => BackendError::NotFound {
                uri: uri.to_string(),
                detail: self.to_string(),
            },
            PulsarError::Incomplete(_) => BackendError::Incomplete {
                uri: uri.to_string(),
                message: self.to_string(),
            },
            other => BackendError::Remote {
                uri: uri.to_string(),
                message: other.to_string(),
            },
        }
    }

    /// Whether the broker is gone (unreachable, or silent past the time
    /// limit): further operations on this connection will fail too.
    pub fn is_connection_lost(&self) -> bool {
        matches!(
            self,
            PulsarError::Unreachable { .. } | PulsarError::Timeout { .. }
        )
    }

    /// Classify an error of the pulsar crate.
    pub fn from_client(error: pulsar::Error, url: &str) -> PulsarError {
        use pulsar::error::{ConnectionError, ServiceDiscoveryError};
        let connection = match &error {
            pulsar::Error::Connection(c) => Some(c),
            pulsar::Error::ServiceDiscovery(ServiceDiscoveryError::Connection(c)) => Some(c),
            pulsar::Error::Consumer(pulsar::error::ConsumerError::Connection(c)) => Some(c),
            pulsar::Error::Producer(pulsar::error::ProducerError::Connection(c)) => Some(c),
            _ => None,
        };
        if let Some(c) = connection {
            match c {
                ConnectionError::Io(e) => {
                    return PulsarError::Unreachable {
                        url: url.to_string(),
                        reason: e.to_string(),
                    };
                }
                ConnectionError::Tls(e) => {
                    return PulsarError::Unreachable {
                        url: url.to_string(),
                        reason: format!("TLS failed: {e} (check --pulsar-ca)"),
                    };
                }
                ConnectionError::Disconnected => {
                    return PulsarError::Unreachable {
                        url: url.to_string(),
                        reason: LOST.into(),
                    };
                }
                ConnectionError::Authentication(e) => return PulsarError::Auth(e.to_string()),
                ConnectionError::PulsarError(Some(code), message) => {
                    return server_error(*code, message.as_deref().unwrap_or(""));
                }
                _ => {}
            }
        }
        if let pulsar::Error::ServiceDiscovery(ServiceDiscoveryError::Query(Some(code), message)) =
            &error
        {
            return server_error(*code, message.as_deref().unwrap_or(""));
        }
        if let pulsar::Error::Authentication(e) = &error {
            return PulsarError::Auth(e.to_string());
        }
        let text = error.to_string();
        if text.contains("AuthenticationError") || text.contains("AuthorizationError") {
            return PulsarError::Auth(text);
        }
        PulsarError::Broker(text)
    }
}

fn server_error(code: pulsar::proto::ServerError, message: &str) -> PulsarError {
    use pulsar::proto::ServerError;
    match code {
        ServerError::AuthenticationError | ServerError::AuthorizationError => {
            PulsarError::Auth(message.to_string())
        }
        ServerError::TopicNotFound => PulsarError::NoTopic {
            topic: message.to_string(),
            hint: String::new(),
        },
        kind => PulsarError::Broker(format!("broker error {kind:?}: {message}")),
    }
}

/// Run `future` with a time limit; a timeout or a client error becomes a
/// [`PulsarError`].
pub async fn bounded<T>(
    what: impl Into<String>,
    limit: Duration,
    url: &str,
    future: impl std::future::Future<Output = Result<T, pulsar::Error>>,
) -> Result<T, PulsarError> {
    match tokio::time::timeout(limit, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(PulsarError::from_client(error, url)),
        Err(_) => {
            let what = what.into();
            tracing::warn!(what = %what, after = ?limit, "Pulsar: no answer in time");
            Err(PulsarError::Timeout { what, after: limit })
        }
    }
}
