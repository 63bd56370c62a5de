"""Browse and redrive N messages on moto with evscope and with a plain boto3
script (one message at a time), through a counting proxy. Prints a Markdown
table: SQS API calls per message, calls and messages in flight at once,
client CPU time per message, wall time.

usage: sqs_bench.py EVSCOPE_BINARY [N]
"""

import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time

import boto3

sys.path.insert(0, os.path.dirname(__file__))
from sqs_proxy import CountingProxy  # noqa: E402

EVSCOPE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_moto():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    sys.exit("moto did not start")


def fill(sqs, url, n):
    body = json.dumps({"eventName": "OrderCreated", "payload": "x" * 200})
    for start in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body,
             "MessageAttributes": {"k": {"DataType": "String", "StringValue": str(start + i)}}}
            for i in range(min(10, n - start))])


def depth(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def measure(cmd, env, sqs, watch_url, proxy):
    """Run cmd; return (wall s, cpu s, peak messages in flight on watch_url)."""
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], depth(sqs, watch_url)[1])
            except Exception:
                pass
            time.sleep(0.2)

    proxy.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.monotonic()
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{cmd} failed: {result.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    measure.last = (result.stdout.decode()[-300:], result.stderr.decode()[-1000:])
    return wall, cpu, peak[0]


def main():
    moto, port = start_moto()
    try:
        proxy = CountingProxy(port)
        direct = f"http://127.0.0.1:{port}"
        via = f"http://127.0.0.1:{proxy.port}"
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=via)
        os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        sqs = boto3.client("sqs", endpoint_url=direct, region_name="us-east-1")
        rows = []
        for tool in ("evscope", "boto3"):
            for mode in ("browse", "redrive"):
                tag = f"{tool}-{mode}-{os.getpid()}"
                src = sqs.create_queue(QueueName=f"b-{tag}")["QueueUrl"]
                dlq = sqs.create_queue(QueueName=f"b-{tag}-dlq")["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": 5})})
                fill(sqs, dlq, N)
                if tool == "evscope":
                    cmd = [EVSCOPE, "peek", f"sqs://b-{tag}-dlq"] if mode == "browse" else \
                        [EVSCOPE, "redrive", f"sqs://b-{tag}-dlq", "--yes", "--client-side"]
                else:
                    cmd = [sys.executable, os.path.join(HERE, "boto3_mover.py"), mode, via, dlq] + \
                        ([] if mode == "browse" else [src])
                wall, cpu, peak_msgs = measure(cmd, env, sqs, dlq, proxy)
                calls = sum(proxy.calls.values())
                by_op = ", ".join(f"{op} {n}" for op, n in sorted(proxy.calls.items()))
                left = depth(sqs, dlq)
                moved = depth(sqs, src)[0]
                ok = (left == (0, 0) and moved == N) if mode == "redrive" else left == (N, 0)
                if not ok:
                    sys.exit(f"{tool} {mode}: DLQ {left}, source {moved}\n{measure.last}")
                rows.append((tool, mode, calls / N, proxy.peak_total, peak_msgs,
                             1000 * cpu / N, wall, by_op))
        print(f"{N} messages, moto {subprocess.check_output([sys.executable, '-c', 'import moto; print(moto.__version__)']).decode().strip()}\n")
        print("| tool | task | API calls / message | calls in flight (max) | messages in flight (max, sampled) "
              "| client CPU ms / message | wall s | calls |")
        print("|---|---|---|---|---|---|---|---|")
        for tool, mode, cpm, peak_calls, peak_msgs, cpu, wall, by_op in rows:
            print(f"| {tool} | {mode} | {cpm:.3f} | {peak_calls} | {peak_msgs} | {cpu:.2f} | {wall:.1f} | {by_op} |")
    finally:
        moto.kill()


if __name__ == "__main__":
    main()
