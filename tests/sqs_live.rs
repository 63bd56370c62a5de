//! evscope on a live SQS queue, against LocalStack (it behaves like AWS
//! where it matters here: every receive raises ApproximateReceiveCount,
//! and the receive after maxReceiveCount moves a message to the DLQ).

#[path = "support/localstack.rs"]
mod localstack;
mod support;

use localstack::localstack;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localstack_counts_every_receive_like_aws() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let url = create_queue(&c, &unique("count"), &[]).await;
    put(&c, &url, &[Msg::body("a")]).await;
    for expected in 1..=2u32 {
        let got = c
            .receive_message()
            .queue_url(&url)
            .visibility_timeout(0)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
            )
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        assert_eq!(got.len(), 1);
        let count = got[0]
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
            })
            .cloned();
        assert_eq!(count.as_deref(), Some(expected.to_string().as_str()));
    }
}
