#!/usr/bin/env python3
"""The B side of the diff benchmark: a copy of a capture (benches/gen_capture.py)
as the new bus would carry it: each event published 50-500 ms later, one in
a hundred missing, one in a hundred with a changed body, one in a thousand
twice, and a `bus` member the diff is told to ignore. Deterministic."""
import json
import random
import sys


def main():
    source, target = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    with open(source) as src, open(target, "w") as out:
        for i, line in enumerate(src):
            event = json.loads(line)
            roll = rng.random()
            if roll < 0.01:
                continue
            body = event["body"]
            body["bus"] = "sqs"
            if roll < 0.02:
                body["correlationId"] = body["correlationId"] + "-changed"
            ms = 50 + rng.randrange(450)
            event["id"] = "b" + event["id"]
            event["published_at"] = "2026-11-20T08:00:%02d.%03dZ" % (i % 60, ms)
            text = json.dumps(event, separators=(",", ":")) + "\n"
            out.write(text)
            if roll > 0.999:
                out.write(text)


main()
