"""How fast `evscope peek --follow` lets go of what it holds.

Puts N messages on a fresh queue, runs `evscope peek --follow --max-hold
forever` until it holds all of them (the queue shows 0 visible, N in
flight), sends a signal, and measures until the queue shows N visible and 0
in flight again, polling GetQueueAttributes every 10 ms, and until the
process exited.

    .venv-localstack/bin/python benches/sqs_release.py ENDPOINT EVSCOPE_BINARY N SIGTERM|SIGINT|SIGHUP

ENDPOINT: a LocalStack (or other SQS) endpoint; boto3 comes with LocalStack.
"""
import boto3, subprocess, time, signal, sys, os
ep = sys.argv[1]; binary = sys.argv[2]; n = int(sys.argv[3]); sig = getattr(signal, sys.argv[4])
c = boto3.client("sqs", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
name = f"bench-{os.getpid()}-{time.time_ns()}"
url = c.create_queue(QueueName=name)["QueueUrl"]
for i in range(0, n, 10):
    c.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f'{{"n":{i+j}}}'} for j in range(min(10, n - i))])
env = dict(os.environ, AWS_ENDPOINT_URL=ep, AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t", AWS_REGION="us-east-1", EVSCOPE_CONFIG_DIR="/nonexistent")
p = subprocess.Popen([binary, "peek", f"sqs://{name}", "--follow", "--max-hold", "forever"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
def depth():
    a = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])
while depth() != (0, n): time.sleep(0.05)
time.sleep(2)
t0 = time.monotonic(); p.send_signal(sig)
while depth() != (n, 0): time.sleep(0.01)
t1 = time.monotonic(); p.wait(); t2 = time.monotonic()
print(f"{n} held, {sys.argv[4]}: all visible again after {(t1-t0)*1000:.0f} ms, process exited after {(t2-t0)*1000:.0f} ms")
sys.stderr.write(p.stderr.read().decode())
