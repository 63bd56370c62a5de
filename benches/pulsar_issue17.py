#!/usr/bin/env python3
"""Issue 17's reproduction, as the issue ran it: 100,000 JSON messages
`{"i": N}` produced by the official Python client (batching on,
block_if_queue_full=True: batches of about 540) to one pulsar-lite topic,
read by `evscope peek --from earliest` through benches/slow_relay.py (pure
Python, adds the frame checksum; about 20k messages/s), ROUNDS times per
evscope binary given. For each round it prints the count read, the missing
runs of `i`, the exit code and stderr, and places every gap in the relay's
log: whether the entries holding the missing messages were delivered to the
reader (so the client dropped them) or never sent by the broker, and whether
they arrived out of order (after a later entry of the same consumer).

With --redrive N it first redrives a batched DLQ of N messages (REAL_TOPIC
set) through the same relay twice per binary, then counts the target with the
official client's Reader (duplicates, missing) and the producer's sends in
the relay's log (a sequence id sent more than once is a resend by the
crate's producer after it re-created itself).

Usage: pulsar_issue17.py [--messages N] [--rounds R] [--rate B/s] [--redrive N] BINARY...
Needs the test venv's Python (pulsar-client, pulsar-lite): run it with
.venv/bin/python (tools/test.sh creates it).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("port %d did not open" % port)


def start_broker(tmp):
    from pulsar_lite.binary_finder import find_pulsar_lite_binary

    config = os.path.join(tmp, "pulsar-lite.toml")
    with open(config, "w") as f:
        f.write("default_partitions = 0\n\n[metrics]\nenabled = false\n")
    port = free_port()
    log = open(os.path.join(tmp, "broker.log"), "w")
    proc = subprocess.Popen(
        [find_pulsar_lite_binary(), "--config", config, "--addr", "127.0.0.1:%d" % port,
         "--db-path", os.path.join(tmp, "db"), "--log-level", "warn"],
        stdout=log, stderr=log)
    wait_port(port)
    return proc, port


def start_relay(upstream, rate, log, topic):
    args = [sys.executable, os.path.join(HERE, "slow_relay.py"), "--upstream", "127.0.0.1:%d" % upstream,
            "--topic", topic]
    if rate:
        args += ["--rate", str(rate)]
    if log:
        args += ["--log", log]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return proc, port


def stop_relay(proc):
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    lines = err.strip().splitlines()
    counts = [line for line in lines if line.startswith("{")]
    for line in lines:
        if not line.startswith("{"):
            print("  relay stderr: " + line, flush=True)
    return json.loads(counts[-1]) if counts else {}


def produce(url, topic, count, properties=None):
    import pulsar

    client = pulsar.Client(url, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
    producer = client.create_producer(topic, batching_enabled=True, block_if_queue_full=True)
    failed = []

    def done(result, _id):
        if result != pulsar.Result.Ok:
            failed.append(result)

    for i in range(count):
        producer.send_async(('{"i":%d}' % i).encode(), done, properties=properties or {})
    producer.flush()
    client.close()
    if failed:
        sys.exit("produce failed: %s" % failed[:3])


def runs(missing):
    out = []
    for i in sorted(missing):
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def place_gaps(log_path, lines, missing):
    """Where did the missing messages' entries go, per the relay's log?"""
    # Entry of each message index: from a complete read (the order of `i`
    # within the topic is the produce order), so map each delivered id.
    deliveries = []
    with open(log_path) as f:
        for line in f:
            r = json.loads(line)
            if "cmd" not in r:
                deliveries.append(r)
    seen_entries = {}
    out_of_order = []
    top = {}
    for d in deliveries:
        key = (d["c"], d["k"])
        ledger, entry = d["id"][0], d["id"][1]
        seen_entries[(ledger, entry)] = seen_entries.get((ledger, entry), 0) + 1
        if key in top and (ledger, entry) <= top[key]:
            out_of_order.append((key, (ledger, entry), top[key]))
        top[key] = max(top.get(key, (ledger, entry)), (ledger, entry))
    return seen_entries, out_of_order


def read_all(url, topic):
    """Every message of `topic` from the earliest, by the official client's Reader."""
    import pulsar

    client = pulsar.Client(url, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
    reader = client.create_reader(topic, pulsar.MessageId.earliest, receiver_queue_size=1000)
    out = []
    while reader.has_message_available():
        message = reader.read_next(timeout_millis=10000)
        out.append((json.loads(message.data())["i"], str(message.message_id())))
    client.close()
    return out


def redrive(args, tmp, bport, binary):
    """A batched DLQ of args.redrive messages redriven through the slow relay."""
    stamp = int(time.time())
    dlq = "persistent://public/default/issue17-%d-DLQ" % stamp
    target = "persistent://public/default/issue17-%d-target" % stamp
    relay, rport = start_relay(bport, 0, None, dlq)
    produce("pulsar://127.0.0.1:%d" % rport, dlq, args.redrive, {"REAL_TOPIC": target})
    stop_relay(relay)
    for run in range(2):
        log = os.path.join(tmp, "redrive-%d.log" % run)
        relay, rport = start_relay(bport, args.rate, log, dlq)
        env = dict(os.environ, EVSCOPE_CONFIG_DIR="/nonexistent/evscope-bench")
        t0 = time.time()
        out = subprocess.run(
            [binary, "redrive", "pulsar://127.0.0.1:%d/%s" % (rport, dlq.split("/", 2)[2]), "--yes"]
            + args.evscope_args, capture_output=True, env=env, stdin=subprocess.DEVNULL)
        secs = time.time() - t0
        stop_relay(relay)
        read = read_all("pulsar://127.0.0.1:%d" % bport, target)
        got = [i for i, _ in read]
        ids = set(mid for _, mid in read)
        dupes = len(got) - len(set(got))
        print("REDRIVE %s run %d: %.1fs, exit %d: %s | %s" % (
            os.path.basename(binary), run, secs, out.returncode,
            out.stdout.decode(errors="replace").strip().replace("\n", " | "),
            out.stderr.decode(errors="replace").strip()[-400:]), flush=True)
        print("  target: %d messages read (%d distinct message ids), %d distinct, %d duplicates, %d of %d missing" % (
            len(got), len(ids), len(set(got)), dupes, args.redrive - len(set(got)), args.redrive), flush=True)
        sends, receipts, conns, closes = {}, 0, set(), []
        for line in open(log):
            r = json.loads(line)
            conns.add(r["c"])
            if r.get("cmd") == "send":
                key = (r["c"], r["p"], r["seq"])
                sends[key] = sends.get(key, 0) + 1
            elif r.get("cmd") == "receipt":
                receipts += 1
            elif r.get("cmd") in ("disconnect", "producer", "subscribe", "close"):
                closes.append((r["t"], r["c"], r["cmd"], r.get("by") or r.get("topic", "")[-20:]))
        per_producer = {}
        for (c, p, seq), n in sends.items():
            per_producer.setdefault((c, p), []).append(seq)
        resent = 0
        for seqs in per_producer.values():
            resent += len(seqs) - len(set(seqs))
        # The crate keeps its sequence ids across re-creations: the same
        # (producer id, sequence id) sent on two connections is a resend.
        by_seq = {}
        for (c, p, seq), n in sends.items():
            by_seq[(p, seq)] = by_seq.get((p, seq), 0) + n
        again = sum(n - 1 for n in by_seq.values() if n > 1)
        print("  relay: %d connections, %d sends, %d receipts, %d sequence ids sent more than once (%d extra sends)"
              % (len(conns), sum(sends.values()), receipts, sum(1 for n in by_seq.values() if n > 1), again), flush=True)
        for event in closes[:20]:
            print("   ", event, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--also", default="", help="also time these commands each round: check,export")
    ap.add_argument("--redrive", type=int, default=0, help="also redrive a batched DLQ of this many")
    ap.add_argument("--evscope-args", nargs="*", default=[])
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker, bport = start_broker(tmp)
        try:
            topic = "persistent://public/default/issue17-%d" % int(time.time())
            relay, rport = start_relay(bport, 0, None, topic)
            started = time.time()
            produce("pulsar://127.0.0.1:%d" % rport, topic, args.messages)
            stop_relay(relay)
            print("produced %d in %.1fs" % (args.messages, time.time() - started), flush=True)
            # Where each message is: a complete read straight from the broker.
            ids_of = {}
            for binary in args.binaries:
                if args.redrive:
                    redrive(args, tmp, bport, binary)
                for rnd in range(args.rounds):
                    log = os.path.join(tmp, "relay-%d.log" % rnd)
                    relay, rport = start_relay(bport, args.rate, log, topic)
                    env = dict(os.environ, EVSCOPE_CONFIG_DIR="/nonexistent/evscope-bench")
                    env.pop("PULSAR_CLIENT_CONF", None)
                    t0 = time.time()
                    out = subprocess.run(
                        [binary, "peek", "pulsar://127.0.0.1:%d/%s" % (rport, topic.split("/", 2)[2]),
                         "--from", "earliest", "--pulsar-timeout", "30"],
                        capture_output=True, env=env, stdin=subprocess.DEVNULL)
                    secs = time.time() - t0
                    counts = stop_relay(relay)
                    seen, ids = {}, set()
                    dupes = 0
                    for line in out.stdout.splitlines():
                        v = json.loads(line)
                        i = v["body"]["i"]
                        if i in seen:
                            dupes += 1
                        seen[i] = v["id"]
                        ids.add(v["id"])
                    for i, mid in seen.items():
                        ids_of[i] = mid
                    for command in [c for c in args.also.split(",") if c]:
                        relay2, rport2 = start_relay(bport, args.rate, None, topic)
                        uri = "pulsar://127.0.0.1:%d/%s" % (rport2, topic.split("/", 2)[2])
                        path = os.path.join(tmp, "export.jsonl")
                        extra = ["-o", path] if command == "export" else []
                        t1 = time.time()
                        done = subprocess.run([binary, command, uri, "--pulsar-timeout", "30"] + extra,
                                              capture_output=True, env=env, stdin=subprocess.DEVNULL)
                        took = time.time() - t1
                        stop_relay(relay2)
                        lines = sum(1 for _ in open(path)) if command == "export" and os.path.exists(path) else None
                        print("ROUND %s #%d %s: %.1fs (%.0f msg/s), exit %d, %s lines written, stderr %r" % (
                            os.path.basename(binary), rnd, command, took, args.messages / took, done.returncode,
                            lines, done.stderr.decode(errors="replace").strip()[-200:]), flush=True)
                        if os.path.exists(path):
                            os.remove(path)
                    missing = set(range(args.messages)) - set(seen)
                    print("ROUND %s #%d: %d of %d read (%d twice) in %.1fs (%.0f msg/s), exit %d, missing %s, stderr %r"
                          % (os.path.basename(binary), rnd, len(seen), args.messages, dupes, secs,
                             len(seen) / secs, out.returncode, runs(missing)[:8],
                             out.stderr.decode(errors="replace").strip()[-300:]), flush=True)
                    delivered, disorder = place_gaps(log, out.stdout, missing)
                    entries = {}
                    for i in missing:
                        mid = ids_of.get(i)
                        if mid:
                            ledger, entry = (int(x) for x in mid.split(":")[:2])
                            entries[(ledger, entry)] = entries.get((ledger, entry), 0) + 1
                    print("  relay: %d deliveries, %d frames in/out down, %d connections; out-of-order deliveries: %d %s"
                          % (counts.get("deliveries", 0), counts.get("down_frames_in", 0),
                             counts.get("connections", 0), len(disorder), disorder[:5]), flush=True)
                    for (ledger, entry), n in sorted(entries.items()):
                        print("  missing %d of entry %d:%d, delivered %d time(s) by the relay"
                              % (n, ledger, entry, delivered.get((ledger, entry), 0)), flush=True)
                    unknown = sum(1 for i in missing if i not in ids_of)
                    if unknown:
                        print("  %d missing not yet placed (never read in any round so far)" % unknown)
        finally:
            broker.kill()


if __name__ == "__main__":
    main()
