//! Connection settings: command-line flags, the environment (through the
//! flags' env names) and the standard Pulsar client.conf, flags first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::PulsarError;

/// The subscription a redrive acknowledges on, by default.
pub const DEFAULT_REDRIVE_SUBSCRIPTION: &str = "evscope-redrive";
/// How long one broker operation may take, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where browsing a topic starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StartPosition {
    /// The first retained message (the default).
    #[default]
    Earliest,
    /// The last N messages (over all partitions, by publish time).
    Latest(usize),
    /// This message id (`ledger:entry[:partition[:batch]]`), inclusive.
    MessageId(String),
    /// The first message published at or after this time.
    PublishTime(DateTime<Utc>),
}

impl StartPosition {
    /// Parse `earliest`, `latest`, a message id or an RFC 3339 time;
    /// `latest` takes the count from `n` (10 without it).
    pub fn parse(text: &str, n: Option<usize>) -> Result<StartPosition, String> {
        let text = text.trim();
        match text {
            "earliest" => Ok(StartPosition::Earliest),
            "latest" => Ok(StartPosition::Latest(n.unwrap_or(10))),
            _ if super::topic::parse_message_id(text).is_some() => {
                Ok(StartPosition::MessageId(text.to_string()))
            }
            _ => DateTime::parse_from_rfc3339(text)
                .map(|t| StartPosition::PublishTime(t.with_timezone(&Utc)))
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                        .map(|t| StartPosition::PublishTime(t.and_utc()))
                })
                .map_err(|_| {
                    format!(
                        "bad --from `{text}`: use earliest, latest, a message id LEDGER:ENTRY[:PARTITION[:BATCH]] or a time like 2024-05-01T12:00:00Z"
                    )
                }),
        }
    }
}

/// OAuth2 client-credentials settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuth2Options {
    /// The issuer (its `/.well-known/openid-configuration` names the token endpoint).
    pub issuer_url: String,
    /// The credentials file (`{"client_id", "client_secret"}` JSON), as a
    /// path or `file://` URL.
    pub credentials: String,
    /// The audience asked for, when the issuer needs one.
    pub audience: Option<String>,
    /// The scope asked for.
    pub scope: Option<String>,
}

/// Everything the Pulsar backend is opened with. `Default` is "nothing
/// given": client.conf (from `PULSAR_CLIENT_CONF`) still applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PulsarOptions {
    /// A JWT to authenticate with.
    pub token: Option<String>,
    /// A file holding the JWT.
    pub token_file: Option<PathBuf>,
    /// OAuth2 client credentials.
    pub oauth2: Option<OAuth2Options>,
    /// PEM file of the CA that signed the broker's certificate.
    pub ca_file: Option<PathBuf>,
    /// Accept any broker certificate (testing only).
    pub allow_insecure: bool,
    /// The client.conf to read defaults from.
    pub conf: Option<PathBuf>,
    /// The admin REST URL (`http://host:8080`), for subscription backlogs.
    pub admin_url: Option<String>,
    /// The durable subscription a redrive acknowledges on (default `evscope-redrive`).
    pub redrive_subscription: Option<String>,
    /// Where browsing starts.
    pub start: StartPosition,
    /// Time limit for connecting and for each broker operation (default 5 s).
    pub timeout: Option<Duration>,
}

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    None,
    /// A JWT.
    Token(String),
    /// OAuth2 client credentials.
    OAuth2(OAuth2Options),
}

/// The settings after flags, environment and client.conf were merged.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Service URL from client.conf, for URIs without a host.
    pub service_url: Option<String>,
    /// Authentication.
    pub auth: Auth,
    /// CA certificate file.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate.
    pub allow_insecure: bool,
    /// Check the broker's host name against its certificate.
    pub hostname_verification: bool,
    /// Admin REST URL.
    pub admin_url: Option<String>,
    /// Redrive subscription.
    pub redrive_subscription: String,
    /// Operation time limit.
    pub timeout: Duration,
}

impl PulsarOptions {
    /// Merge the flags with client.conf (`conf`, else `$PULSAR_CLIENT_CONF`).
    pub fn resolve(&self) -> Result<Settings, PulsarError> {
        let conf_path = self
            .conf
            .clone()
            .or_else(|| std::env::var_os("PULSAR_CLIENT_CONF").map(PathBuf::from));
        let conf = match &conf_path {
            Some(path) => read_conf(path)?,
            None => BTreeMap::new(),
        };
        let auth = if let Some(token) = &self.token {
            Auth::Token(token.trim().to_string())
        } else if let Some(path) = &self.token_file {
            Auth::Token(read_token(path)?)
        } else if let Some(oauth2) = &self.oauth2 {
            Auth::OAuth2(oauth2.clone())
        } else {
            conf_auth(&conf)?
        };
        Ok(Settings {
            service_url: conf.get("brokerServiceUrl").cloned(),
            auth,
            ca_file: self
                .ca_file
                .clone()
                .or_else(|| conf.get("tlsTrustCertsFilePath").map(PathBuf::from)),
            allow_insecure: self.allow_insecure
                || conf
                    .get("tlsAllowInsecureConnection")
                    .is_some_and(|v| v == "true"),
            hostname_verification: conf
                .get("tlsEnableHostnameVerification")
                .is_none_or(|v| v != "false"),
            admin_url: self
                .admin_url
                .clone()
                .or_else(|| conf.get("webServiceUrl").cloned()),
            redrive_subscription: self
                .redrive_subscription
                .clone()
                .unwrap_or_else(|| DEFAULT_REDRIVE_SUBSCRIPTION.to_string()),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }
}

/// Read a Java-properties style client.conf: `key=value`, `#` comments.
pub fn read_conf(path: &Path) -> Result<BTreeMap<String, String>, PulsarError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        PulsarError::Config(format!("cannot read client.conf {}: {e}", path.display()))
    })?;
    Ok(parse_conf(&text))
}

/// Parse client.conf text.
pub fn parse_conf(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let (k, v) = l.split_once('=').or_else(|| l.split_once(':'))?;
            let v = v.trim();
            (!v.is_empty()).then(|| (k.trim().to_string(), v.to_string()))
        })
        .collect()
}

fn read_token(path: &Path) -> Result<String, PulsarError> {
    let path_text = path.to_string_lossy();
    let path = Path::new(path_text.strip_prefix("file://").unwrap_or(&path_text));
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_string())
        .map_err(|e| PulsarError::Config(format!("cannot read token file {}: {e}", path.display())))
}

/// The authentication client.conf asks for (authPlugin + authParams).
fn conf_auth(conf: &BTreeMap<String, String>) -> Result<Auth, PulsarError> {
    let Some(plugin) = conf.get("authPlugin") else {
        return Ok(Auth::None);
    };
    let params = conf.get("authParams").map(String::as_str).unwrap_or("");
    if plugin.ends_with("AuthenticationToken") {
        // `token:JWT`, `file:///path`, or `token=JWT` / `file=...`.
        let params = params.trim();
        if let Some(token) = params
            .strip_prefix("token:")
            .or_else(|| params.strip_prefix("token="))
        {
            return Ok(Auth::Token(token.trim().to_string()));
        }
        if let Some(file) = params.strip_prefix("file:") {
            return read_token(Path::new(file.trim_start_matches("//"))).map(Auth::Token);
        }
        if !params.is_empty() {
            return Ok(Auth::Token(params.to_string()));
        }
        return Err(PulsarError::Config(
            "client.conf: authPlugin is token but authParams is empty".into(),
        ));
    }
    if plugin.ends_with("AuthenticationOAuth2") {
        let json: serde_json::Value = serde_json::from_str(params).map_err(|e| {
            PulsarError::Config(format!("client.conf: authParams is not JSON: {e}"))
        })?;
        let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(String::from);
        let issuer_url = field("issuerUrl").ok_or_else(|| {
            PulsarError::Config("client.conf: OAuth2 authParams lacks issuerUrl".into())
        })?;
        let credentials = field("privateKey").ok_or_else(|| {
            PulsarError::Config("client.conf: OAuth2 authParams lacks privateKey".into())
        })?;
        return Ok(Auth::OAuth2(OAuth2Options {
            issuer_url,
            credentials,
            audience: field("audience"),
            scope: field("scope"),
        }));
    }
    if plugin.is_empty() {
        return Ok(Auth::None);
    }
    Err(PulsarError::Config(format!(
        "client.conf: authPlugin {plugin} is not supported (use token or OAuth2)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_parses_token_and_tls() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "abc.def.ghi\n").unwrap();
        let conf = dir.path().join("client.conf");
        std::fs::write(
            &conf,
            format!(
                "# comment\nbrokerServiceUrl=pulsar+ssl://b:6651/\nwebServiceUrl=https://b:8443/\nauthPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken\nauthParams=file://{}\ntlsTrustCertsFilePath=/ca.pem\n",
                token.display()
            ),
        )
        .unwrap();
        let options = PulsarOptions {
            conf: Some(conf.clone()),
            ..Default::default()
        };
        let s = options.resolve().unwrap();
        assert_eq!(s.auth, Auth::Token("abc.def.ghi".into()));
        assert_eq!(s.ca_file, Some(PathBuf::from("/ca.pem")));
        assert_eq!(s.admin_url.as_deref(), Some("https://b:8443/"));
        assert_eq!(s.redrive_subscription, DEFAULT_REDRIVE_SUBSCRIPTION);
        // Flags win.
        let options = PulsarOptions {
            conf: Some(conf),
            token: Some("flag".into()),
            ca_file: Some("/mine.pem".into()),
            ..Default::default()
        };
        let s = options.resolve().unwrap();
        assert_eq!(s.auth, Auth::Token("flag".into()));
        assert_eq!(s.ca_file, Some(PathBuf::from("/mine.pem")));
    }

    #[test]
    fn conf_parses_oauth2() {
        let conf = parse_conf(
            "authPlugin=org.apache.pulsar.client.impl.auth.oauth2.AuthenticationOAuth2\nauthParams={\"type\":\"client_credentials\",\"issuerUrl\":\"https://auth\",\"privateKey\":\"file:///creds.json\",\"audience\":\"urn:x\"}\n",
        );
        match conf_auth(&conf).unwrap() {
            Auth::OAuth2(o) => {
                assert_eq!(o.issuer_url, "https://auth");
                assert_eq!(o.credentials, "file:///creds.json");
                assert_eq!(o.audience.as_deref(), Some("urn:x"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn start_positions() {
        assert_eq!(
            StartPosition::parse("latest", Some(3)).unwrap(),
            StartPosition::Latest(3)
        );
        assert_eq!(
            StartPosition::parse("1:2:-1", None).unwrap(),
            StartPosition::MessageId("1:2:-1".into())
        );
        assert!(matches!(
            StartPosition::parse("2024-05-01T12:00:00Z", None).unwrap(),
            StartPosition::PublishTime(_)
        ));
        assert!(StartPosition::parse("yesterday", None).is_err());
    }
}
