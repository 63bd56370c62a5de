#!/usr/bin/env python3
"""A slow Pulsar relay in pure Python, as issue 17 used: between clients and
a pulsar-lite broker, it adds the magic number and CRC32C checksum that
pulsar-lite leaves out of payload frames (computed in pure Python, which is
what makes it slow: about 20k messages/s of ~150 bytes), rewrites lookup
answers to its own address and answers GetTopicsOfNamespace with the topics
it saw created (pulsar-lite does not implement it). Optionally capped at
--rate bytes/s broker -> client, frames written in random pieces.

It drops, reorders and alters nothing else, and logs what it carried so a
gap can be placed: with --log FILE, one JSON line per broker -> client
delivery (`{"c": connection, "k": consumer, "id": [ledger, entry, partition,
batch index], "n": messages in the batch}`) and per client command that
moves a consumer (subscribe, flow, seek, redeliver, close) or a producer (producer,
send with its sequence id, and the receipts), connections opened and closed; each with
its time `t` in seconds. At exit (SIGTERM
or SIGINT) it prints its frame and byte counts in both directions to stderr.

Usage: slow_relay.py --listen PORT --upstream HOST:PORT [--rate B/s] [--log FILE] [--topic T]...
The listen port is printed on stdout once it listens (0 picks one).
"""
import argparse
import asyncio
import json
import random
import signal
import struct
import sys

MAGIC = b"\x0e\x01"

# CRC32C (Castagnoli), table-driven, pure Python on purpose.
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# Minimal protobuf: a message is a list of (field, wire type, value).
def varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def decode(buf):
    fields, pos = [], 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            size, pos = varint(buf, pos)
            value, pos = bytes(buf[pos:pos + size]), pos + size
        elif wire == 1:
            value, pos = bytes(buf[pos:pos + 8]), pos + 8
        elif wire == 5:
            value, pos = bytes(buf[pos:pos + 4]), pos + 4
        else:
            raise ValueError("wire type %d" % wire)
        fields.append((field, wire, value))
    return fields


def put_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode(fields):
    out = bytearray()
    for field, wire, value in fields:
        out += put_varint(field << 3 | wire)
        if wire == 0:
            out += put_varint(value)
        elif wire == 2:
            out += put_varint(len(value)) + value
        else:
            out += value
    return bytes(out)


def get(fields, number, default=None):
    for field, _, value in fields:
        if field == number:
            return value
    return default


def signed(n):
    return n - (1 << 64) if n >= 1 << 63 else n


def message_id(raw):
    f = decode(raw)
    return [get(f, 1), get(f, 2), signed(get(f, 3, (1 << 64) - 1)), signed(get(f, 4, (1 << 64) - 1))]


class Counts:
    def __init__(self):
        self.c = dict.fromkeys(
            ["down_frames_in", "down_bytes_in", "down_bytes_added", "down_frames_out", "down_bytes_out",
             "up_frames_in", "up_bytes_in", "up_frames_out", "up_bytes_out", "up_frames_answered",
             "up_bytes_answered", "deliveries", "connections"], 0)

    def add(self, name, n=1):
        self.c[name] += n


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--rate", type=float, default=0, help="bytes/s broker -> client (0: no cap)")
    ap.add_argument("--max-piece", type=int, default=4096)
    ap.add_argument("--log")
    ap.add_argument("--topic", action="append", default=[], help="a topic to list (also learnt from clients)")
    args = ap.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    counts = Counts()
    topics = set(args.topic)
    log = open(args.log, "w") if args.log else None
    rng = random.Random(17)
    conn_no = [0]

    loop_time = asyncio.get_running_loop().time
    t0 = loop_time()

    def note(record):
        if log:
            record["t"] = round(loop_time() - t0, 4)
            log.write(json.dumps(record) + "\n")

    async def serve(client_r, client_w):
        conn_no[0] += 1
        conn = conn_no[0]
        counts.add("connections")
        note({"c": conn, "cmd": "connect"})
        relay_url = "pulsar://127.0.0.1:%d" % client_w.get_extra_info("sockname")[1]
        try:
            broker_r, broker_w = await asyncio.open_connection(host, int(port))
        except OSError:
            client_w.close()
            return
        lock = asyncio.Lock()  # one writer to the client at a time

        async def to_client(data):
            async with lock:
                if not args.rate:
                    client_w.write(data)
                    await client_w.drain()
                    return
                view = memoryview(data)
                while view:
                    piece = rng.randint(1, args.max_piece)
                    client_w.write(bytes(view[:piece]))
                    await client_w.drain()
                    await asyncio.sleep(min(piece, len(view)) / args.rate)
                    view = view[piece:]

        async def up():
            while True:
                head = await client_r.readexactly(4)
                (size,) = struct.unpack(">I", head)
                frame = await client_r.readexactly(size)
                counts.add("up_frames_in")
                counts.add("up_bytes_in", 4 + size)
                (csize,) = struct.unpack(">I", frame[:4])
                command = decode(frame[4:4 + csize])
                kind = get(command, 1)
                body = decode(get(command, kind, b""))
                if kind in (4, 5):  # subscribe, producer: topic is field 1
                    topics.add(get(body, 1).decode())
                if kind == 4:
                    note({"c": conn, "cmd": "subscribe", "k": get(body, 5), "topic": get(body, 1).decode(),
                          "durable": get(body, 9, 1), "start": message_id(get(body, 11)) if get(body, 11) else None})
                elif kind == 11:
                    note({"c": conn, "cmd": "flow", "k": get(body, 1), "permits": get(body, 2)})
                elif kind == 28:
                    mid = get(body, 3)
                    note({"c": conn, "cmd": "seek", "k": get(body, 1), "id": message_id(mid) if mid else None})
                elif kind == 20:
                    note({"c": conn, "cmd": "redeliver", "k": get(body, 1)})
                elif kind == 16:
                    note({"c": conn, "cmd": "close", "k": get(body, 1)})
                elif kind == 6:
                    note({"c": conn, "cmd": "send", "p": get(body, 1), "seq": get(body, 2), "n": get(body, 3, 1)})
                elif kind == 5:
                    note({"c": conn, "cmd": "producer", "p": get(body, 2), "topic": get(body, 1).decode()})
                elif kind == 32:
                    namespace = get(body, 2).decode()
                    listed = [t for t in sorted(topics) if ("://%s/" % namespace) in t]
                    response = [(1, 0, get(body, 1))] + [(2, 2, t.encode()) for t in listed]
                    answer = encode([(1, 0, 33), (33, 2, encode(response))])
                    counts.add("up_frames_answered")
                    counts.add("up_bytes_answered", 4 + size)
                    await to_client(struct.pack(">II", len(answer) + 4, len(answer)) + answer)
                    continue
                broker_w.write(head + frame)
                await broker_w.drain()
                counts.add("up_frames_out")
                counts.add("up_bytes_out", 4 + size)

        async def down():
            while True:
                head = await broker_r.readexactly(4)
                (size,) = struct.unpack(">I", head)
                frame = await broker_r.readexactly(size)
                counts.add("down_frames_in")
                counts.add("down_bytes_in", 4 + size)
                (csize,) = struct.unpack(">I", frame[:4])
                raw = frame[4:4 + csize]
                rest = frame[4 + csize:]
                command = decode(raw)
                kind = get(command, 1)
                if kind == 24:  # lookup answer: our own address
                    body = [f for f in decode(get(command, 24)) if f[0] not in (1, 2)]
                    body.insert(0, (1, 2, relay_url.encode()))
                    raw = encode([f if f[0] != 24 else (24, 2, encode(body)) for f in command])
                if kind in (7, 8):
                    body = decode(get(command, kind))
                    note({"c": conn, "cmd": "receipt" if kind == 7 else "send_error", "p": get(body, 1),
                          "seq": get(body, 2)})
                if kind == 9:
                    body = decode(get(command, 9))
                    n = None
                    if rest:
                        meta = rest[6:] if rest[:2] == MAGIC else rest
                        (msize,) = struct.unpack(">I", meta[:4])
                        n = get(decode(meta[4:4 + msize]), 11)
                    counts.add("deliveries")
                    note({"c": conn, "k": get(body, 1), "id": message_id(get(body, 2)), "n": n})
                if rest and rest[:2] != MAGIC:
                    rest = MAGIC + struct.pack(">I", crc32c(rest)) + rest
                out = struct.pack(">I", len(raw)) + raw + rest
                out = struct.pack(">I", len(out)) + out
                counts.add("down_bytes_added", len(out) - 4 - size)
                await to_client(out)
                counts.add("down_frames_out")
                counts.add("down_bytes_out", len(out))

        tasks = [asyncio.ensure_future(up()), asyncio.ensure_future(down())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            t.cancel()
        for w in (client_w, broker_w):
            w.close()
        note({"c": conn, "cmd": "disconnect", "by": "client" if tasks[0].done() else "broker"})

    server = await asyncio.start_server(serve, "127.0.0.1", args.listen)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(s, stop.set)
    await stop.wait()
    if log:
        log.close()
    print(json.dumps(counts.c), file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
