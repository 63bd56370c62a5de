#!/usr/bin/env python3
"""Write a synthetic capture of N events (default 1,000,000) for the filter
benchmark: capture lines with classic bodies (eventId, eventName,
creationDate, expirationTime, correlationId, a JSON-encoded payload), a
tenth of them SEND_EMAIL, about 30% expired, one in a hundred with a
creation date that is not a date, receive counts 1 to 5. Deterministic
(seeded)."""
import json
import random
import sys

def main():
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rng = random.Random(42)
    names = ["SEND_EMAIL", "SEND_SMS", "SEND_PUSH", "USER_CREATED", "USER_DELETED",
             "ORDER_PLACED", "ORDER_SHIPPED", "PAYMENT_CREATED", "AUTH_FAILED", "AUTH_OK"]
    with open(path, "w") as out:
        for i in range(count):
            name = names[i % len(names)]
            expired = rng.random() < 0.3
            created = "2020-12-30 23:15:58.999" if expired else "2026-11-20 08:00:00.000"
            if i % 100 == 99:
                created = "not a date"
            body = {
                "eventId": i, "eventName": name, "creationDate": created,
                "expirationTime": 300000 if expired else 4102444800000,
                "correlationId": f"corr-{i // 3}",
                "payload": json.dumps({"to": f"u{i}@example.com"}),
            }
            line = {
                "evscope_capture": 1, "id": f"m{i}", "source": "sqs://bench",
                "receive_count": 1 + i % 5, "attributes": {}, "body_encoding": "json",
                "meta": {"expired": expired}, "body": body,
            }
            out.write(json.dumps(line, separators=(",", ":")) + "\n")

main()
