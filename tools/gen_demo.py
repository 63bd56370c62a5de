#!/usr/bin/env python3
"""Regenerate the bundled demo captures under demo/ (run from the repo root).

The demo shows every facet evscope knows: a payments queue with its DLQ
(capture lines with SQS-like metadata) and a notifications log (plain JSON
lines, the classic envelope) with live and expired, malformed, located,
token-carrying and hostile events.
"""
import base64
import datetime
import json

def b64url(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

def jwt(claims):
    return b64url({"alg": "HS256", "typ": "JWT"}) + "." + b64url(claims) + ".c2lnbmVkLWJ5LWRlbW8"

LIVE_JWT = jwt({"sub": "svc-checkout", "iss": "https://auth.example.com", "scope": "payments:write", "exp": 4102444800})
EXPIRED_JWT = jwt({"sub": "svc-legacy", "iss": "https://auth.example.com", "exp": 1600000000})

def cap(source, mid, body, published, receive_count=1, attributes=None, system=None, key=None, raw=False):
    line = {
        "evscope_capture": 1,
        "id": mid,
        "source": source,
        "key": key,
        "published_at": published,
        "receive_count": receive_count,
        "attributes": attributes or {},
        "system": system or {},
        "body_encoding": "json",
        "body": body,
    }
    if raw:
        line["body_encoding"] = "utf8" if isinstance(body, str) else "json"
    return line

def cloudevent(eid, etype, time, data, **extra):
    ev = {"specversion": "1.0", "id": eid, "type": etype, "source": "/payments/api", "time": time,
          "datacontenttype": "application/json", "data": data}
    ev.update(extra)
    return ev

P = "demo:payments"
D = "demo:payments.dlq"
TP42 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TP43 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

payments = [
    cap(P, "8f1c2a60-0001", cloudevent("evt-pay-42", "PaymentCreated", "2026-11-20T09:15:02.120Z",
        {"paymentId": 42, "amount": 129.90, "currency": "EUR"}, correlationid="corr-payment-42",
        traceparent=TP42, dataschema="https://schemas.example.com/payment-created/v2"),
        "2026-11-20T09:15:02.300Z", 1, {"correlationId": "corr-payment-42", "traceparent": TP42},
        {"SentTimestamp": "1763630102300", "SenderId": "AIDADEMO"}, key="payment-42"),
    cap(P, "8f1c2a60-0002", cloudevent("evt-auth-42", "AuthCreated", "2026-11-20T09:15:02.480Z",
        {"paymentId": 42, "authId": "A-42"}, correlationid="corr-payment-42", causationid="evt-pay-42",
        traceparent=TP42), "2026-11-20T09:15:02.500Z", 1,
        {"correlationId": "corr-payment-42", "causationId": "evt-pay-42", "authorization": "Bearer " + LIVE_JWT},
        {"SentTimestamp": "1763630102500"}, key="payment-42"),
    cap(P, "8f1c2a60-0003", cloudevent("evt-authok-42", "AuthSucceeded", "2026-11-20T09:15:03.010Z",
        {"paymentId": 42, "authId": "A-42", "approved": True}, correlationid="corr-payment-42",
        causationid="evt-auth-42", traceparent=TP42), "2026-11-20T09:15:03.020Z", 1,
        {"correlationId": "corr-payment-42", "causationId": "evt-auth-42"}, {"SentTimestamp": "1763630103020"},
        key="payment-42"),
    cap(P, "8f1c2a60-0004", cloudevent("evt-pay-43", "PaymentCreated", "2026-11-20T09:16:10.000Z",
        {"paymentId": 43, "amount": 15.00, "currency": "USD"}, correlationid="corr-payment-43", traceparent=TP43),
        "2026-11-20T09:16:10.050Z", 1, {"correlationId": "corr-payment-43"}, {"SentTimestamp": "1763630170050"},
        key="payment-43"),
    cap(P, "8f1c2a60-0005", cloudevent("evt-auth-43", "AuthCreated", "2026-11-20T09:16:10.300Z",
        {"paymentId": 43, "authId": "A-43"}, correlationid="corr-payment-43", causationid="evt-pay-43",
        traceparent=TP43), "2026-11-20T09:16:10.320Z", 1,
        {"correlationId": "corr-payment-43", "parentId": "evt-pay-43", "authorization": "Bearer " + EXPIRED_JWT},
        {"SentTimestamp": "1763630170320"}, key="payment-43"),
    cap(P, "8f1c2a60-0006", {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "OrderPlaced", "source": "com.example.orders", "account": "111122223333",
        "time": "2026-11-20T09:17:00Z", "region": "eu-west-1", "resources": [],
        "detail": {"orderId": "O-1001", "paymentId": 44, "correlationId": "corr-order-1001", "schemaVersion": "3"}},
        "2026-11-20T09:17:00.100Z", 1, {}, {"SentTimestamp": "1763630220100"}),
    cap(P, "8f1c2a60-0007", cloudevent("evt-pay-45", "PaymentCreated", "2026-11-20T09:18:00.000Z",
        {"paymentId": 45, "amount": 9.99, "currency": "EUR", "expiresAt": "2099-01-01T00:00:00Z"},
        correlationid="corr-payment-45", expiresat="2099-01-01T00:00:00Z"),
        "2026-11-20T09:18:00.020Z", 1, {"correlationId": "corr-payment-45", "expiresAt": "2099-01-01T00:00:00Z"},
        {"SentTimestamp": "1763630280020"}, key="payment-45"),
]
# A binary body (protobuf-like bytes): stored as base64.
binary = cap(P, "8f1c2a60-0008", base64.b64encode(bytes([0x08, 0x96, 0x01, 0x12, 0x04, 0xde, 0xad, 0xbe, 0xef, 0xff])).decode(),
             "2026-11-20T09:19:00.000Z", 1, {"contentType": "application/x-protobuf"}, {"SentTimestamp": "1763630340000"})
binary["body_encoding"] = "base64"
payments.append(binary)

# Flows in every state (`evscope flows demo`, the TUI's flows view): payment
# 48 completes, 49 is stuck after AuthCreated, 50 goes through
# AuthPendingFraud to AuthSucceeded hours later. (43 fails into the DLQ and
# ends with an SMS on the notifications source: one flow, three sources.)
def step(n, mid, eid, etype, time, published, data, cause=None):
    attributes = {"correlationId": f"corr-payment-{n}"}
    extra = {"correlationid": f"corr-payment-{n}"}
    if cause:
        attributes["causationId"] = cause
        extra["causationid"] = cause
    return cap(P, mid, cloudevent(eid, etype, time, dict(paymentId=n, **data), **extra), published, 1,
               attributes, {"SentTimestamp": sent_ms(published)}, key=f"payment-{n}")

def sent_ms(published):
    when = datetime.datetime.fromisoformat(published.replace("Z", "+00:00"))
    return str(round(when.timestamp() * 1000))

payments += [
    step(48, "8f1c2a60-0009", "evt-pay-48", "PaymentCreated", "2026-11-20T09:23:00.000Z", "2026-11-20T09:23:00.020Z",
         {"amount": 42.00, "currency": "EUR"}),
    step(48, "8f1c2a60-0010", "evt-auth-48", "AuthCreated", "2026-11-20T09:23:00.250Z", "2026-11-20T09:23:00.270Z",
         {"authId": "A-48"}, "evt-pay-48"),
    step(48, "8f1c2a60-0011", "evt-authok-48", "AuthSucceeded", "2026-11-20T09:23:00.900Z", "2026-11-20T09:23:00.920Z",
         {"authId": "A-48", "approved": True}, "evt-auth-48"),
    step(49, "8f1c2a60-0012", "evt-pay-49", "PaymentCreated", "2026-11-20T09:24:00.000Z", "2026-11-20T09:24:00.020Z",
         {"amount": 310.00, "currency": "EUR"}),
    step(49, "8f1c2a60-0013", "evt-auth-49", "AuthCreated", "2026-11-20T09:24:00.300Z", "2026-11-20T09:24:00.320Z",
         {"authId": "A-49"}, "evt-pay-49"),
    step(50, "8f1c2a60-0014", "evt-pay-50", "PaymentCreated", "2026-11-20T09:25:00.000Z", "2026-11-20T09:25:00.020Z",
         {"amount": 1999.00, "currency": "EUR"}),
    step(50, "8f1c2a60-0015", "evt-auth-50", "AuthCreated", "2026-11-20T09:25:00.200Z", "2026-11-20T09:25:00.220Z",
         {"authId": "A-50"}, "evt-pay-50"),
    step(50, "8f1c2a60-0016", "evt-fraud-50", "AuthPendingFraud", "2026-11-20T09:25:01.100Z",
         "2026-11-20T09:25:01.120Z", {"authId": "A-50", "check": "pending_fraud_check"}, "evt-auth-50"),
    step(50, "8f1c2a60-0017", "evt-authok-50", "AuthSucceeded", "2026-11-20T13:40:00.000Z", "2026-11-20T13:40:00.020Z",
         {"authId": "A-50", "approved": True}, "evt-fraud-50"),
]

dlq = [
    cap(D, "c0ffee00-0001", cloudevent("evt-authfail-43", "AuthFailed", "2026-11-20T09:16:11.000Z",
        {"paymentId": 43, "authId": "A-43", "reason": "insufficient_funds"}, correlationid="corr-payment-43",
        causationid="evt-auth-43", traceparent=TP43), "2026-11-20T09:16:11.010Z", 5,
        {"correlationId": "corr-payment-43", "causationId": "evt-auth-43"},
        {"SentTimestamp": "1763630171010", "ApproximateFirstReceiveTimestamp": "1763630171500"}, key="payment-43"),
    cap(D, "c0ffee00-0002", "{\"specversion\":\"1.0\",\"id\":\"evt-pay-46\",\"type\":\"PaymentCreated\",\"data\":{\"paymentId\":46,",
        "2026-11-20T09:20:00.000Z", 5, {"correlationId": "corr-payment-46"}, {"SentTimestamp": "1763630400000"}),
    cap(D, "c0ffee00-0003", {"specversion": "1.0", "id": "evt-refund-7", "type": "RefundRequested",
        "time": "2026-11-20T09:21:00Z", "data": {"paymentId": 42, "amount": 10}},
        "2026-11-20T09:21:00.050Z", 4, {"correlationId": "corr-payment-42"}, {"SentTimestamp": "1763630460050"}),
    cap(D, "c0ffee00-0004", cloudevent("evt-pay-47", "PaymentCreated", "yesterday at noon",
        {"paymentId": 47, "amount": 3.50, "currency": "EUR"}), "2026-11-20T09:22:00.000Z", 6, {},
        {"SentTimestamp": "1763630520000"}),
]
dlq[1]["body_encoding"] = "utf8"

def classic(eid, name, created, **fields):
    ev = {"eventId": eid, "eventName": name, "type": "CREATE", "subtype": "NEW", "object": "USER",
          "eventDataFormat": "JSON"}
    ev.update(fields)
    ev.setdefault("payload", json.dumps({"to": "ana@example.com", "from": "noreply@example.com",
                                         "subject": "Welcome", "content": "Hello Ana"}))
    ev["creationDate"] = created
    ev.setdefault("updateDate", created)
    return ev

notifications = [
    classic(101, "SEND_EMAIL", "2020-12-30 23:15:58.999", expirationTime=300000),
    classic(102, "SEND_EMAIL", "2020-01-31 10:00:00.000", expirationTime=1580549400000),
    classic(103, "SEND_EMAIL", "2026-11-20 08:00:00.000", expirationTime=4102444800000,
            countryCodeFormat="ISO 3166-1 alpha-3", countryCode="ESP", ip="182.32.5.166"),
    classic(104, "SEND_EMAIL", "2026-11-20 08:05:00.000", expirationTime=315360000000,
            gpsCoordinates={"latitude": "41.385878", "longitud": "2.170757"}),
    classic(105, "SEND_SMS", "2026-11-20 08:10:00.000", user="app_general", bearer=LIVE_JWT,
            payload=json.dumps({"to": "+34600000000", "text": "Your code is 4821"})),
    classic(106, "SEND_SMS", "2026-11-20 09:16:12.000", user="app_legacy", bearer=EXPIRED_JWT,
            correlationId="corr-payment-43", causationId="evt-authfail-43"),
    classic(107, "SEND_EMAIL", "2026-13-45 99:00:00.000"),
    {"eventName": "SEND_EMAIL", "payload": "{to: 'ana@example.com'", "creationDate": "2026-11-20 08:20:00.000"},
    classic(109, "SEND_EMAIL", "2026-11-20 08:30:00.000",
            payload=json.dumps({"to": "mallory@example.com",
                                "subject": "\u001b]0;owned\u0007\u001b[2J\u001b[31mURGENT\u001b[0m",
                                "content": "pay\u202egnp.exe \u200bhidden"})),
    classic(110, "SEND_PUSH", "2026-11-20 08:40:00.000", countryCodeFormat="ISO 3166-1 alpha-2", countryCode="JP",
            payload=json.dumps({"title": "注文を受け付けました 🎉", "deviceId": "d-77"})),
]

def write(path, lines, plain=False):
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        if plain:
            out.write("ERROR 2026-11-20 08:50:00 mailer crashed: connection reset\n")

write("demo/payments.jsonl", payments)
write("demo/payments.dlq.jsonl", dlq)
write("demo/notifications.jsonl", notifications, plain=True)
