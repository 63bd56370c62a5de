//! Source URIs and opening the backend behind one.

use std::path::PathBuf;
use std::sync::Arc;

use super::file::FileBackend;
use super::read_only::ReadOnly;
use super::sqs::SqsBackend;
use super::{Backend, BackendError, OpenOptions};

/// A parsed source URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceUri {
    /// A capture file: `file:PATH` or a bare path.
    File(PathBuf),
    /// Standard input: `-`.
    Stdin,
    /// The bundled demo (`demo`), or one part of it (`demo:payments`).
    Demo(Option<String>),
    /// An SQS queue: `sqs://NAME` or a queue URL.
    Sqs(String),
    /// A Pulsar topic: `pulsar://HOST:PORT/TOPIC` or `pulsar+ssl://…`.
    Pulsar(String),
}

impl SourceUri {
    /// Parse what the user typed.
    pub fn parse(text: &str) -> Result<SourceUri, BackendError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(BackendError::EmptySource);
        }
        Ok(if text == "-" {
            SourceUri::Stdin
        } else if text == "demo" {
            SourceUri::Demo(None)
        } else if let Some(part) = text.strip_prefix("demo:") {
            SourceUri::Demo(Some(part.to_string()))
        } else if let Some(rest) = text.strip_prefix("file://") {
            SourceUri::File(file_url_path(text, rest)?)
        } else if let Some(path) = text.strip_prefix("file:") {
            SourceUri::File(PathBuf::from(path))
        } else if text.starts_with("sqs://") || looks_like_queue_url(text) {
            SourceUri::Sqs(text.to_string())
        } else if text.starts_with("pulsar://") || text.starts_with("pulsar+ssl://") {
            SourceUri::Pulsar(text.to_string())
        } else if let Some((scheme, _)) = text.split_once("://") {
            return Err(BackendError::BadUri {
                uri: text.into(),
                reason: format!(
                    "unknown scheme `{scheme}://`: use a file path, `-`, `demo`, sqs:// or pulsar://"
                ),
            });
        } else {
            SourceUri::File(PathBuf::from(text))
        })
    }

    /// The canonical text of the URI.
    pub fn to_uri_string(&self) -> String {
        match self {
            SourceUri::File(p) => format!("file:{}", p.display()),
            SourceUri::Stdin => "-".into(),
            SourceUri::Demo(None) => "demo".into(),
            SourceUri::Demo(Some(part)) => format!("demo:{part}"),
            SourceUri::Sqs(s) | SourceUri::Pulsar(s) => s.clone(),
        }
    }
}

/// The path of a `file://` URL (RFC 8089): `file:///abs/path` and
/// `file://localhost/abs/path` name `/abs/path`. Any other host
/// (`file://x`, `file://server/share`) is refused: the text after `//` is a
/// host, not a relative path, and evscope reads local files only.
fn file_url_path(text: &str, rest: &str) -> Result<PathBuf, BackendError> {
    let (host, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if (host.is_empty() || host.eq_ignore_ascii_case("localhost")) && !path.is_empty() {
        return Ok(PathBuf::from(path));
    }
    Err(BackendError::BadUri {
        uri: text.into(),
        reason: format!(
            "a file:// URL names a host (`{host}`) before its absolute path; write file:{rest} or a plain path for a relative file, file:///ABSOLUTE/PATH for an absolute one"
        ),
    })
}

/// How to name a target URI to a person: the URI itself, except for a
/// Pulsar redrive router, which sends each event back to its own topic.
pub fn target_label(uri: &str) -> String {
    if uri == super::sqs::ROUTE_URI {
        return "each message's origin queue (its DeadLetterQueueSourceArn)".into();
    }
    match uri.strip_suffix(super::pulsar::ROUTE_QUERY) {
        Some(broker) if uri.starts_with("pulsar") => {
            format!(
                "each event's REAL_TOPIC on {}",
                broker.trim_end_matches('/')
            )
        }
        _ => uri.to_string(),
    }
}

/// Whether `target` is a redrive router: each event goes back to its own
/// origin ([`route_of`]).
pub fn is_router(target: &str) -> bool {
    target == super::sqs::ROUTE_URI
        || (target.starts_with("pulsar") && target.ends_with(super::pulsar::ROUTE_QUERY))
}

/// Where a redrive router target (`target`, see [`target_label`]) sends
/// `event`: its origin queue or REAL_TOPIC; `None` when `target` is not a
/// router or the event names no origin (it would stay in the DLQ).
pub fn route_of(target: &str, event: &crate::model::Event) -> Option<String> {
    if target == super::sqs::ROUTE_URI {
        return super::sqs::origin_of(event);
    }
    let broker = target.strip_suffix(super::pulsar::ROUTE_QUERY)?;
    let topic = super::pulsar::convert::real_topic(event)?;
    Some(format!("{}/{topic}", broker.trim_end_matches('/')))
}

/// Open the backend for a source URI: the one door every source comes in
/// through, which makes it read-only with `options.read_only`.
pub async fn open(text: &str, options: &OpenOptions) -> Result<Arc<dyn Backend>, BackendError> {
    let uri = SourceUri::parse(text)?;
    tracing::info!(source = %uri.to_uri_string(), read_only = options.read_only, "opening source");
    let backend: Arc<dyn Backend> = match uri {
        SourceUri::File(path) => Arc::new(FileBackend::open_path(&path, options)?),
        SourceUri::Stdin => Arc::new(FileBackend::open_stdin(options).await?),
        SourceUri::Demo(part) => Arc::new(FileBackend::open_demo(part.as_deref(), options)?),
        SourceUri::Sqs(u) if u == super::sqs::ROUTE_URI => {
            Arc::new(super::sqs::SqsRouter::open(&options.sqs).await)
        }
        SourceUri::Sqs(u) => Arc::new(SqsBackend::open(&u, &options.sqs).await?),
        SourceUri::Pulsar(u) => super::pulsar::open(&u, options, true).await?,
    };
    Ok(ReadOnly::guard(backend, options.read_only))
}

/// Open a source as a send target: like [`open`] (read-only the same way),
/// but a file that does not exist yet is created by the first send.
pub async fn open_target(
    text: &str,
    options: &OpenOptions,
) -> Result<Arc<dyn Backend>, BackendError> {
    let backend: Arc<dyn Backend> = match SourceUri::parse(text)? {
        SourceUri::File(path) => Arc::new(FileBackend::open_target(&path, options)?),
        // A Pulsar topic is created by its first message (when the broker allows).
        SourceUri::Pulsar(u) => super::pulsar::open(&u, options, false).await?,
        _ => return open(text, options).await,
    };
    Ok(ReadOnly::guard(backend, options.read_only))
}

/// An SQS queue URL: `http(s)://HOST/ACCOUNT_ID/QUEUE_NAME` (AWS, LocalStack,
/// ElasticMQ and moto all use this form).
fn looks_like_queue_url(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        [host, account, name] => {
            !host.is_empty()
                && !account.is_empty()
                && account.chars().all(|c| c.is_ascii_digit())
                && !name.is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_the_pulsar_router_in_words() {
        assert_eq!(
            target_label("pulsar://h:6650/?route=REAL_TOPIC"),
            "each event's REAL_TOPIC on pulsar://h:6650"
        );
        assert_eq!(target_label("sqs://orders"), "sqs://orders");
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(SourceUri::parse("-").unwrap(), SourceUri::Stdin);
        assert_eq!(SourceUri::parse("demo").unwrap(), SourceUri::Demo(None));
        assert_eq!(
            SourceUri::parse("demo:payments").unwrap(),
            SourceUri::Demo(Some("payments".into()))
        );
        assert_eq!(
            SourceUri::parse("file:a/b.jsonl").unwrap(),
            SourceUri::File("a/b.jsonl".into())
        );
        assert_eq!(
            SourceUri::parse("./x.jsonl").unwrap(),
            SourceUri::File("./x.jsonl".into())
        );
        assert!(matches!(
            SourceUri::parse("sqs://orders").unwrap(),
            SourceUri::Sqs(_)
        ));
        assert!(matches!(
            SourceUri::parse("pulsar://localhost:6650/t").unwrap(),
            SourceUri::Pulsar(_)
        ));
        assert!(matches!(
            SourceUri::parse("http://127.0.0.1:5000/123456789012/orders").unwrap(),
            SourceUri::Sqs(_)
        ));
        assert!(matches!(
            SourceUri::parse("https://sqs.eu-west-1.amazonaws.com/123456789012/o.fifo").unwrap(),
            SourceUri::Sqs(_)
        ));
        assert_eq!(
            SourceUri::parse("file:///tmp/a.jsonl").unwrap(),
            SourceUri::File("/tmp/a.jsonl".into())
        );
        assert_eq!(
            SourceUri::parse("file://localhost/tmp/a.jsonl").unwrap(),
            SourceUri::File("/tmp/a.jsonl".into())
        );
        let err = SourceUri::parse("kafka://x").unwrap_err().to_string();
        assert!(err.contains("unknown scheme `kafka://`"), "{err}");
    }

    #[test]
    fn a_file_url_with_a_host_or_nothing_is_refused_clearly() {
        for text in [
            "file://x",
            "file://x/y.jsonl",
            "file://",
            "file://localhost",
        ] {
            let err = SourceUri::parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{text}: a file:// URL names a host")),
                "{err}"
            );
        }
        let err = SourceUri::parse("file://x").unwrap_err().to_string();
        assert!(err.contains("write file:x"), "{err}");
        for text in ["", "  "] {
            let err = SourceUri::parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with("empty source argument: give a file path"),
                "{err}"
            );
        }
    }
}
