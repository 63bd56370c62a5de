"""The plain boto3 baseline: one message at a time.

  browse ENDPOINT QUEUE_URL       receive each message (hiding it), then make
                                  each visible again, one call per message
  redrive ENDPOINT DLQ_URL TARGET_URL
                                  receive, send, delete, one message at a time
"""

import sys

import boto3

mode, endpoint = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")

if mode == "browse":
    url = sys.argv[3]
    handles = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300,
                                  MessageAttributeNames=["All"], AttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            break
        sys.stdout.write(messages[0]["Body"] + "\n")
        handles.append(messages[0]["ReceiptHandle"])
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
elif mode == "redrive":
    dlq, target = sys.argv[3], sys.argv[4]
    while True:
        got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=1, VisibilityTimeout=60,
                                  MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            break
        m = messages[0]
        kwargs = {"QueueUrl": target, "MessageBody": m["Body"]}
        if m.get("MessageAttributes"):
            kwargs["MessageAttributes"] = m["MessageAttributes"]
        sqs.send_message(**kwargs)
        sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
else:
    sys.exit(f"unknown mode {mode}")
