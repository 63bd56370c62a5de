//! Reaching SQS: the AWS default chain plus `--profile`, `--region` and
//! `--endpoint-url`, short timeouts and a small retry budget so that a wrong
//! endpoint or missing credentials fail in seconds, and one readable line
//! for every kind of failure.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::backend::BackendError;

/// How long a TCP (and TLS) connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one attempt of an ordinary call may take. Real SQS answers in
/// milliseconds, but moto serializes calls and takes seconds each on a big
/// queue; a receive whose answer is given up on still hides its messages,
/// so give up late. (A wrong endpoint is caught by the first call, which
/// has [`FIRST_CALL_TIMEOUT`].)
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the first calls (looking a queue up, listing queues) may take
/// in all, retries included: a wrong endpoint fails in this long.
const FIRST_CALL_TIMEOUT: Duration = Duration::from_secs(4);
/// Attempts per call, the first included: one retry, no storm.
const MAX_ATTEMPTS: u32 = 2;
/// The region used with an explicit endpoint when none is configured
/// (LocalStack, ElasticMQ and moto accept any).
const ENDPOINT_DEFAULT_REGION: &str = "us-east-1";

/// How to reach SQS, and SQS-specific send and receive settings. Every
/// field left empty falls back to the AWS default chain (environment,
/// profiles, SSO, instance roles).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqsOptions {
    /// The AWS profile (`--profile`).
    pub profile: Option<String>,
    /// The AWS region (`--region`).
    pub region: Option<String>,
    /// Another endpoint: LocalStack, ElasticMQ, moto (`--endpoint-url`,
    /// AWS_ENDPOINT_URL).
    pub endpoint_url: Option<String>,
    /// Visibility timeout, in seconds, for messages evscope holds while
    /// browsing or moving (extended while they are held); default 30.
    pub visibility_timeout: Option<u32>,
    /// Keep each event's original MessageDeduplicationId when sending to a
    /// FIFO queue instead of a fresh one (`--keep-dedup-id`).
    pub keep_dedup_id: bool,
    /// How long following may hold a message from the queue's consumers
    /// (`--max-hold`, config `sqs.max_hold`); default 30 s on a queue that
    /// is not a dead-letter queue, until the end on one that is.
    pub max_hold: Option<super::max_hold::MaxHold>,
}

/// A client and a description of where it points, for messages.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The SQS client.
    pub client: Client,
    /// "endpoint http://127.0.0.1:5000" or "region eu-west-1".
    pub target: String,
}

/// Build a client from the options. Loads profiles and the region; no
/// network call is made here.
pub(crate) async fn connect(options: &SqsOptions) -> Connection {
    let config = load_config(options).await;
    let target = match (&options.endpoint_url, config.region()) {
        (Some(endpoint), _) => format!("endpoint {endpoint}"),
        (None, Some(region)) => format!("region {region}"),
        (None, None) => "no region".to_string(),
    };
    Connection {
        client: Client::new(&config),
        target,
    }
}

/// Who the options' credentials are (STS GetCallerIdentity, on the same
/// endpoint): `(account, arn, user id)`, or why that is unknown. For the
/// journal; answered within [`FIRST_CALL_TIMEOUT`].
pub async fn caller_identity(
    options: &SqsOptions,
) -> Result<(Option<String>, Option<String>, Option<String>), String> {
    let config = load_config(options).await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(FIRST_CALL_TIMEOUT)
                    .build(),
            )
            .build(),
    );
    match sts.get_caller_identity().send().await {
        Ok(answer) => Ok((
            answer.account().map(str::to_string),
            answer.arn().map(str::to_string),
            answer.user_id().map(str::to_string),
        )),
        Err(error) => Err(format!(
            "STS GetCallerIdentity failed: {}",
            match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => DisplayErrorContext(&error).to_string(),
            }
        )),
    }
}

/// The SDK config the options give (profiles and region loaded, no call).
async fn load_config(options: &SqsOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(1)),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let explicit = options.region.clone().map(aws_config::Region::new);
    let fallback = options
        .endpoint_url
        .as_ref()
        .map(|_| aws_config::Region::from_static(ENDPOINT_DEFAULT_REGION));
    let mut chain = RegionProviderChain::first_try(explicit).or_default_provider();
    if let Some(fallback) = fallback {
        chain = chain.or_else(fallback);
    }
    loader = loader.region(chain);
    loader.load().await
}

/// A config override for the first calls made on a connection: a wrong or
/// silent endpoint is reported within [`FIRST_CALL_TIMEOUT`].
pub(crate) fn first_call() -> aws_sdk_sqs::config::Builder {
    aws_sdk_sqs::config::Builder::default().timeout_config(
        TimeoutConfig::builder()
            .operation_timeout(FIRST_CALL_TIMEOUT)
            .build(),
    )
}

/// How an SQS call failed, coarsely: decides retries and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The network or the server is having trouble: worth retrying.
    Transient,
    /// The queue does not exist.
    NoQueue,
    /// Credentials are missing, invalid or not allowed.
    Auth,
    /// The server does not implement the operation.
    NotImplemented,
    /// Anything else the server rejected: retrying will not help.
    Rejected,
}

/// A failed SQS call, classified and worded.
#[derive(Debug, Clone)]
pub(crate) struct CallError {
    /// The class.
    pub failure: Failure,
    /// One readable sentence.
    pub message: String,
}

impl CallError {
    /// As a backend error about `uri`.
    pub fn into_backend(self, uri: &str) -> BackendError {
        match self.failure {
            Failure::NoQueue => BackendError::NotFound {
                uri: uri.to_string(),
                detail: self.message,
            },
            _ => BackendError::Remote {
                uri: uri.to_string(),
                message: self.message,
            },
        }
    }
}

/// Classify and word a failed call. `doing` names the call ("receiving
/// messages"); `target` says where the client points.
pub(crate) fn call_error<E>(
    error: &SdkError<E, HttpResponse>,
    doing: &str,
    target: &str,
) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let context = DisplayErrorContext(error).to_string();
    let lower = context.to_ascii_lowercase();
    if lower.contains("credential") && !matches!(error, SdkError::ServiceError(_)) {
        return CallError {
            failure: Failure::Auth,
            message: format!(
                "{doing} failed: no usable AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws sso login`)"
            ),
        };
    }
    if lower.contains("no region") || lower.contains("region must be set") {
        return CallError {
            failure: Failure::Auth,
            message: format!("{doing} failed: no AWS region (pass --region or set AWS_REGION)"),
        };
    }
    match error {
        SdkError::TimeoutError(_) => CallError {
            failure: Failure::Transient,
            message: format!(
                "{doing} failed: no answer from SQS at {target} in time (check --endpoint-url, --region and the network)"
            ),
        },
        SdkError::DispatchFailure(failure) => {
            let why = if failure.is_timeout() {
                "the connection timed out"
            } else if failure.is_io() {
                "cannot connect"
            } else {
                "the request could not be sent"
            };
            CallError {
                failure: Failure::Transient,
                message: format!(
                    "{doing} failed: {why} to SQS at {target} (check --endpoint-url, --region and the network)"
                ),
            }
        }
        SdkError::ResponseError(_) => CallError {
            failure: Failure::Transient,
            message: format!(
                "{doing} failed: SQS at {target} sent an answer evscope cannot read (is this an SQS endpoint?)"
            ),
        },
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.err();
            let code = err.code().unwrap_or("").to_string();
            let text = err.message().unwrap_or("").to_string();
            let failure = classify(&code, status);
            let message = match failure {
                Failure::NoQueue => format!("the queue does not exist at {target}"),
                Failure::Auth => format!(
                    "{doing} failed: access denied ({code}{}{text}): check the credentials, --profile and the queue policy",
                    if text.is_empty() { "" } else { ": " }
                ),
                Failure::NotImplemented => {
                    format!("{doing} is not implemented by SQS at {target}")
                }
                _ => {
                    let code_text = if code.is_empty() {
                        format!("HTTP {status} from {target} (is it an SQS endpoint?)")
                    } else {
                        code.clone()
                    };
                    if text.is_empty() {
                        format!("{doing} failed: {code_text}")
                    } else {
                        format!("{doing} failed: {code_text}: {text}")
                    }
                }
            };
            CallError { failure, message }
        }
        _ => CallError {
            failure: Failure::Rejected,
            message: format!("{doing} failed: {}", first_line(&context)),
        },
    }
}

/// A service error code (and HTTP status) to a [`Failure`].
pub(crate) fn classify(code: &str, status: u16) -> Failure {
    let code_tail = code.rsplit('.').next().unwrap_or(code);
    match code_tail {
        "NonExistentQueue" | "QueueDoesNotExist" => Failure::NoQueue,
        "AccessDenied"
        | "AccessDeniedException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "UnrecognizedClientException"
        | "ExpiredToken"
        | "InvalidSecurity"
        | "MissingAuthenticationToken"
        | "KMSAccessDenied" => Failure::Auth,
        "NotImplemented"
        | "InvalidAction"
        | "UnknownOperationException"
        | "UnsupportedOperation" => Failure::NotImplemented,
        "ThrottlingException"
        | "Throttling"
        | "RequestThrottled"
        | "ServiceUnavailable"
        | "InternalError"
        | "InternalFailure"
        | "KmsThrottled" => Failure::Transient,
        _ if status == 501 => Failure::NotImplemented,
        _ if status >= 500 || status == 429 => Failure::Transient,
        _ if status == 403 => Failure::Auth,
        _ => Failure::Rejected,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Whether a per-entry batch failure is worth retrying: the server's fault,
/// or throttling.
pub(crate) fn entry_retryable(sender_fault: bool, code: &str) -> bool {
    !sender_fault || classify(code, 200) == Failure::Transient
}

/// How long a move keeps retrying a call that fails for transient reasons
/// (a cut connection, a restarting endpoint) before giving up.
pub(crate) const PATIENCE: Duration = Duration::from_secs(45);

/// Run `call` until it succeeds, fails for a non-transient reason, or
/// `PATIENCE` runs out, backing off between attempts.
pub(crate) async fn patiently<T, F, Fut>(mut call: F) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CallError>>,
{
    let start = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if error.failure == Failure::Transient && start.elapsed() < PATIENCE => {
                tracing::info!(reason = %error.message, pause = ?pause, "SQS call failed for a passing reason; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(4));
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(
            classify("AWS.SimpleQueueService.NonExistentQueue", 400),
            Failure::NoQueue
        );
        assert_eq!(classify("QueueDoesNotExist", 400), Failure::NoQueue);
        assert_eq!(classify("AccessDenied", 403), Failure::Auth);
        assert_eq!(classify("InvalidClientTokenId", 403), Failure::Auth);
        assert_eq!(classify("", 501), Failure::NotImplemented);
        assert_eq!(classify("InternalError", 500), Failure::Transient);
        assert_eq!(classify("Whatever", 503), Failure::Transient);
        assert_eq!(classify("InvalidParameterValue", 400), Failure::Rejected);
    }

    #[test]
    fn only_server_faults_and_throttling_are_retried() {
        assert!(entry_retryable(false, "InternalError"));
        assert!(entry_retryable(true, "ThrottlingException"));
        assert!(!entry_retryable(true, "InvalidParameterValue"));
    }

    #[tokio::test]
    async fn patience_stops_at_a_permanent_error() {
        let mut calls = 0;
        let result: Result<(), CallError> = patiently(|| {
            calls += 1;
            let failure = if calls < 3 {
                Failure::Transient
            } else {
                Failure::Rejected
            };
            async move {
                Err(CallError {
                    failure,
                    message: "x".into(),
                })
            }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 3);
    }
}
