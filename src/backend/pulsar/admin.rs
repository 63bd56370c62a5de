//! The admin REST API, for what the binary protocol does not tell: the
//! subscriptions of a topic and their backlogs
//! (`GET /admin/v2/{persistent|non-persistent}/{tenant}/{namespace}/{topic}/stats`,
//! `/partitioned-stats` for partitioned topics), and what a subscription
//! acknowledged (`/internalStats`, per partition; see [`super::acked`]).

use super::acked::{Cursor, cursor_of};
use super::discover::Subscription;
use super::error::PulsarError;
use super::http::Http;
use super::options::{Auth, Settings};
use super::topic::TopicName;

/// An admin REST client.
pub struct Admin {
    base: String,
    http: Http,
    auth: Auth,
}

impl Admin {
    /// A client for `base` (`http://host:8080`), authenticated like the broker connection.
    pub fn new(base: &str, settings: &Settings) -> Result<Admin, PulsarError> {
        Ok(Admin {
            base: base.trim_end_matches('/').to_string(),
            http: Http::new(settings.ca_file.as_deref(), settings.timeout)?,
            auth: settings.auth.clone(),
        })
    }

    async fn headers(&self) -> Result<Vec<(&'static str, String)>, PulsarError> {
        let mut headers = vec![("accept", "application/json".to_string())];
        match &self.auth {
            Auth::None => {}
            Auth::Token(token) => headers.push(("authorization", format!("Bearer {token}"))),
            Auth::OAuth2(options) => {
                let oauth = super::auth::OAuth2::new(options.clone(), self.http.clone())?;
                let (token, _) = oauth.fetch().await?;
                headers.push(("authorization", format!("Bearer {token}")));
            }
        }
        Ok(headers)
    }

    /// The acknowledged positions of `subscription` on `topic` (one
    /// partition, or a topic that is not partitioned); `None` when the
    /// topic has no such subscription.
    pub async fn cursor(
        &self,
        topic: &TopicName,
        subscription: &str,
    ) -> Result<Option<Cursor>, PulsarError> {
        let url = format!("{}/internalStats", self.topic_url(topic));
        let stats = self.http.get_json(&url, &self.headers().await?).await?;
        Ok(cursor_of(&stats, subscription))
    }

    /// `{base}/admin/v2/{domain}/{tenant}/{namespace}/{topic}`.
    fn topic_url(&self, topic: &TopicName) -> String {
        format!(
            "{}/admin/v2/{}/{}/{}/{}",
            self.base,
            if topic.persistent {
                "persistent"
            } else {
                "non-persistent"
            },
            topic.tenant,
            topic.namespace,
            topic.local,
        )
    }

    /// The subscriptions of `topic` with their backlogs.
    pub async fn subscriptions(
        &self,
        topic: &TopicName,
        partitioned: bool,
    ) -> Result<Vec<Subscription>, PulsarError> {
        let url = format!(
            "{}/{}",
            self.topic_url(topic),
            if partitioned {
                "partitioned-stats"
            } else {
                "stats"
            }
        );
        let stats = self.http.get_json(&url, &self.headers().await?).await?;
        Ok(parse_subscriptions(&stats))
    }
}

/// The `subscriptions` object of a stats answer.
pub fn parse_subscriptions(stats: &serde_json::Value) -> Vec<Subscription> {
    let Some(subs) = stats.get("subscriptions").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    subs.iter()
        .map(|(name, sub)| Subscription {
            name: name.clone(),
            backlog: sub.get("msgBacklog").and_then(|b| b.as_u64()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stats() {
        let stats = serde_json::json!({
            "msgRateIn": 0.0,
            "subscriptions": {"billing": {"msgBacklog": 7, "type": "Shared"}, "audit": {}}
        });
        let subs = parse_subscriptions(&stats);
        assert_eq!(subs.len(), 2);
        let billing = subs.iter().find(|s| s.name == "billing").unwrap();
        assert_eq!(billing.backlog, Some(7));
    }
}
