//! Authentication: a JWT (given inline, from a file or client.conf) or
//! OAuth2 client credentials, fetched from the issuer's token endpoint and
//! refreshed before they expire.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use pulsar::error::AuthenticationError;

use super::error::PulsarError;
use super::http::{Http, json_of};
use super::options::OAuth2Options;

/// The client id and secret of an OAuth2 credentials file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
}

impl Credentials {
    /// Read a credentials file: a path, a `file://` URL or a
    /// `data:application/json;base64,` URL holding `{"client_id", "client_secret"}`.
    pub fn load(location: &str) -> Result<Credentials, PulsarError> {
        let text = if let Some(data) = location.strip_prefix("data:") {
            let (meta, payload) = data.split_once(',').unwrap_or(("", data));
            if meta.ends_with(";base64") {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(payload)
                    .map_err(|e| PulsarError::Config(format!("bad OAuth2 data URL: {e}")))?;
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                payload.to_string()
            }
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            std::fs::read_to_string(path).map_err(|e| {
                PulsarError::Config(format!("cannot read OAuth2 credentials {path}: {e}"))
            })?
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| PulsarError::Config(format!("OAuth2 credentials are not JSON: {e}")))?;
        let field = |name: &str| {
            json.get(name)
                .and_then(|v| v.as_str())
                .map(String::from)
                .ok_or_else(|| PulsarError::Config(format!("OAuth2 credentials lack {name}")))
        };
        Ok(Credentials {
            client_id: field("client_id")?,
            client_secret: field("client_secret")?,
        })
    }
}

/// OAuth2 client-credentials authentication for the pulsar crate.
pub struct OAuth2 {
    options: OAuth2Options,
    credentials: Credentials,
    http: Http,
    token: Option<(String, Instant)>,
}

impl OAuth2 {
    /// Prepare (the token is fetched when the client connects).
    pub fn new(options: OAuth2Options, http: Http) -> Result<OAuth2, PulsarError> {
        let credentials = Credentials::load(&options.credentials)?;
        Ok(OAuth2 {
            options,
            credentials,
            http,
            token: None,
        })
    }

    /// Ask the issuer for a fresh access token.
    pub async fn fetch(&self) -> Result<(String, Instant), PulsarError> {
        let issuer = self.options.issuer_url.trim_end_matches('/');
        let discovery = format!("{issuer}/.well-known/openid-configuration");
        let config = self.http.get_json(&discovery, &[]).await?;
        let endpoint = config
            .get("token_endpoint")
            .and_then(|v| v.as_str())
            .ok_or_else(|| PulsarError::Auth(format!("{discovery} names no token_endpoint")))?
            .to_string();
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.credentials.client_id.as_str()),
            ("client_secret", self.credentials.client_secret.as_str()),
        ];
        if let Some(audience) = &self.options.audience {
            form.push(("audience", audience));
        }
        if let Some(scope) = &self.options.scope {
            form.push(("scope", scope));
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .request(
                hyper::Method::POST,
                &endpoint,
                &[("accept", "application/json".into())],
                Some((
                    "application/x-www-form-urlencoded".into(),
                    body.into_bytes(),
                )),
            )
            .await?;
        let json = json_of(&endpoint, response).map_err(|e| PulsarError::Auth(e.to_string()))?;
        let token = json
            .get("access_token")
            .and_then(|v| v.as_str())
            .ok_or_else(|| PulsarError::Auth(format!("{endpoint} returned no access_token")))?;
        let lifetime = json
            .get("expires_in")
            .and_then(|v| v.as_u64())
            .unwrap_or(3600);
        // Refresh a little before the issuer's expiry, and at least daily:
        // a huge `expires_in` would overflow the clock (`Instant + Duration`
        // panics).
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let valid_for = Duration::from_secs(lifetime.saturating_sub(30).max(1));
        Ok((token.to_string(), Instant::now() + valid_for))
    }
}

/// The longest an OAuth2 token is used before it is fetched again, in
/// seconds, whatever the issuer's `expires_in` says.
const MAX_TOKEN_LIFETIME: u64 = 24 * 3600;

#[async_trait]
impl pulsar::authentication::Authentication for OAuth2 {
    fn auth_method_name(&self) -> String {
        "token".into()
    }

    async fn initialize(&mut self) -> Result<(), AuthenticationError> {
        self.auth_data().await.map(|_| ())
    }

    async fn auth_data(&mut self) -> Result<Vec<u8>, AuthenticationError> {
        if let Some((token, until)) = &self.token {
            if Instant::now() < *until {
                return Ok(token.clone().into_bytes());
            }
        }
        // The crate's error comes back as PulsarError::Auth, which says
        // "authentication failed" itself: pass the reason only.
        let (token, until) = self.fetch().await.map_err(|e| {
            AuthenticationError::Custom(match e {
                PulsarError::Auth(reason) => reason,
                other => other.to_string(),
            })
        })?;
        self.token = Some((token.clone(), until));
        Ok(token.into_bytes())
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_from_file_and_data_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"{"client_id":"id","client_secret":"s3"}"#).unwrap();
        let c = Credentials::load(&format!("file://{}", path.display())).unwrap();
        assert_eq!(c.client_id, "id");
        let data = base64::engine::general_purpose::STANDARD
            .encode(r#"{"client_id":"a","client_secret":"b"}"#);
        let c = Credentials::load(&format!("data:application/json;base64,{data}")).unwrap();
        assert_eq!(c.client_secret, "b");
        assert!(Credentials::load("/nope.json").is_err());
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
