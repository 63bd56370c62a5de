//! Loading contracts (schema directories, AsyncAPI 2 and 3) and checking
//! events against them.

use serde_json::{Value, json};

use super::*;
use crate::model::ProblemKind;
use crate::secrets::Policy;

fn file(relative: &str, text: &str) -> ContractFile {
    ContractFile {
        relative: relative.into(),
        display: format!("/c/{relative}"),
        uri: format!("file:///c/{relative}"),
        text: text.into(),
    }
}

fn schema_file(relative: &str, schema: Value) -> ContractFile {
    file(relative, &schema.to_string())
}

fn load(files: &[ContractFile]) -> Contracts {
    Contracts::from_files("/c", files).expect("contracts load")
}

fn kinds(checked: &Checked) -> Vec<ProblemKind> {
    checked.problems.iter().map(|p| p.kind).collect()
}

fn pointers(checked: &Checked) -> Vec<String> {
    checked
        .status
        .as_ref()
        .map(|s| s.violations.iter().map(|v| v.pointer.clone()).collect())
        .unwrap_or_default()
}

fn payment_dir() -> Vec<ContractFile> {
    vec![
        schema_file(
            "common/money.json",
            json!({"$defs": {"amount": {"type": "object", "required": ["value", "currency"],
                "properties": {"value": {"type": "number", "minimum": 0},
                               "currency": {"enum": ["EUR", "USD"]}}}}}),
        ),
        schema_file(
            "PaymentCreated/v1.json",
            json!({"type": "object", "required": ["paymentId"], "deprecated": true}),
        ),
        schema_file(
            "PaymentCreated/v2.json",
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "type": "object", "required": ["paymentId", "amount"],
                   "properties": {"paymentId": {"type": "string"},
                                  "amount": {"$ref": "../common/money.json#/$defs/amount"}}}),
        ),
        schema_file(
            "AuthFailed.json",
            json!({"type": "object", "required": ["reason"]}),
        ),
        schema_file(
            "anything.json",
            json!({"title": "AuthSucceeded", "type": "object", "required": ["authId"]}),
        ),
    ]
}

#[test]
fn a_schema_directory_names_types_and_versions_by_layout_title_and_file_name() {
    let contracts = load(&payment_dir());
    let names: Vec<(String, Option<String>)> = contracts
        .iter()
        .map(|c| (c.event_type.clone(), c.version.clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("AuthFailed".into(), None),
            ("AuthSucceeded".into(), None),
            ("PaymentCreated".into(), Some("v1".into())),
            ("PaymentCreated".into(), Some("v2".into())),
        ],
        "common/money.json is a shared definition, not a contract"
    );
}

#[test]
fn an_event_is_checked_against_its_version_with_refs_across_files() {
    let contracts = load(&payment_dir());
    let good = json!({"paymentId": "p-1", "amount": {"value": 3.5, "currency": "EUR"}});
    let checked = contracts.check(Some("PaymentCreated"), Some("2"), Some(&good));
    assert_eq!(kinds(&checked), vec![]);
    let status = checked.status.expect("a contract applied");
    assert!(status.valid);
    assert_eq!(status.schema, "PaymentCreated/v2.json");

    let bad = json!({"paymentId": 7, "amount": {"value": -1, "currency": "GBP"}});
    let checked = contracts.check(Some("PaymentCreated"), Some("v2"), Some(&bad));
    assert_eq!(kinds(&checked), vec![ProblemKind::ContractViolation]);
    let mut at = pointers(&checked);
    at.sort();
    assert_eq!(at, vec!["/amount/currency", "/amount/value", "/paymentId"]);
    assert!(!checked.status.unwrap().valid);
    assert!(
        checked.problems[0]
            .message
            .starts_with("breaks PaymentCreated/v2.json: /"),
        "{}",
        checked.problems[0].message
    );
}

#[test]
fn unknown_types_unknown_versions_and_deprecated_versions_are_problems() {
    let contracts = load(&payment_dir());
    let body = json!({"paymentId": "p-1"});
    let unknown = contracts.check(Some("Refunded"), None, Some(&body));
    assert_eq!(kinds(&unknown), vec![ProblemKind::UnknownType]);
    assert_eq!(unknown.status, None);

    // No version: the latest (v2), which wants an amount.
    let latest = contracts.check(Some("PaymentCreated"), None, Some(&body));
    assert_eq!(
        latest.status.as_ref().unwrap().version.as_deref(),
        Some("v2")
    );
    assert_eq!(kinds(&latest), vec![ProblemKind::ContractViolation]);

    let v9 = contracts.check(Some("PaymentCreated"), Some("9"), Some(&body));
    assert_eq!(
        kinds(&v9),
        vec![ProblemKind::UnknownVersion, ProblemKind::ContractViolation]
    );
    assert!(v9.problems[0].message.contains("the latest, v2"));

    let v1 = contracts.check(Some("PaymentCreated"), Some("1.0"), Some(&body));
    assert_eq!(kinds(&v1), vec![ProblemKind::DeprecatedVersion]);
    assert!(v1.status.unwrap().valid);

    // A type with a contract without a version: events without one use it.
    let mut files = payment_dir();
    files.push(schema_file(
        "PaymentCreated.json",
        json!({"type": "object"}),
    ));
    let unversioned = load(&files).check(Some("PaymentCreated"), None, Some(&body));
    assert_eq!(kinds(&unversioned), vec![]);
    assert_eq!(unversioned.status.unwrap().schema, "PaymentCreated.json");

    // Without a type, nothing applies.
    assert_eq!(contracts.check(None, None, Some(&body)), Checked::default());
    // A body that is not JSON breaks any contract.
    let text = contracts.check(Some("AuthFailed"), None, None);
    assert_eq!(kinds(&text), vec![ProblemKind::ContractViolation]);
}

#[test]
fn every_draft_is_validated_by_its_own_rules() {
    // Each schema uses a keyword whose meaning is particular to its draft.
    let cases = [
        (
            "http://json-schema.org/draft-04/schema#",
            json!({"properties": {"n": {"maximum": 5, "exclusiveMaximum": true}}}),
            json!({"n": 5}),
            json!({"n": 4}),
        ),
        (
            "http://json-schema.org/draft-06/schema#",
            json!({"properties": {"n": {"exclusiveMinimum": 5}}}),
            json!({"n": 5}),
            json!({"n": 6}),
        ),
        (
            "http://json-schema.org/draft-07/schema#",
            json!({"if": {"properties": {"kind": {"const": "card"}}},
                   "then": {"required": ["last4"]}}),
            json!({"kind": "card"}),
            json!({"kind": "card", "last4": "1234"}),
        ),
        (
            "https://json-schema.org/draft/2019-09/schema",
            json!({"dependentRequired": {"iban": ["bic"]}}),
            json!({"iban": "ES00"}),
            json!({"iban": "ES00", "bic": "X"}),
        ),
        (
            "https://json-schema.org/draft/2020-12/schema",
            json!({"properties": {"pair": {"prefixItems": [{"type": "string"}, {"type": "integer"}]}}}),
            json!({"pair": [1, "a"]}),
            json!({"pair": ["a", 1]}),
        ),
    ];
    for (draft, mut schema, bad, good) in cases {
        schema["$schema"] = json!(draft);
        let contracts = load(&[schema_file("T.json", schema)]);
        let bad = contracts.check(Some("T"), None, Some(&bad));
        assert_eq!(kinds(&bad), vec![ProblemKind::ContractViolation], "{draft}");
        let good = contracts.check(Some("T"), None, Some(&good));
        assert_eq!(kinds(&good), vec![], "{draft}: {:?}", good.problems);
    }
}

#[test]
fn a_thin_eventbridge_event_fails_a_fat_contract_naming_the_missing_fields() {
    let fat = json!({
        "type": "object",
        "required": ["detail-type", "source", "detail"],
        "properties": {"detail": {
            "type": "object",
            "required": ["category", "approvalStatus", "startDate", "endDate", "id", "owner"],
            "properties": {"approvalStatus": {"enum": ["PENDING_VALIDATION", "APPROVED", "REJECTED"]}}
        }}
    });
    let contracts = load(&[schema_file("VacationRequestSubmited/1.json", fat)]);
    let envelope = |detail: Value| {
        json!({"version": "0", "id": "e-1", "detail-type": "VacationRequestSubmited",
               "source": "vacations", "time": "2024-03-01T09:00:00Z", "detail": detail})
    };
    let fat_event = envelope(json!({
        "category": "ANNUAL_LEAVE", "approvalStatus": "PENDING_VALIDATION",
        "startDate": "2024-04-01Z", "endDate": "2024-04-05Z", "id": "r-9", "owner": "ana"
    }));
    let ok = contracts.check(Some("VacationRequestSubmited"), None, Some(&fat_event));
    assert!(ok.status.unwrap().valid);
    let thin = envelope(json!({"approvalStatus": "PENDING_VALIDATION", "id": "r-9"}));
    let checked = contracts.check(Some("VacationRequestSubmited"), None, Some(&thin));
    let status = checked.status.expect("checked");
    assert!(!status.valid);
    let said: String = status
        .violations
        .iter()
        .map(|v| v.message.clone())
        .collect();
    for field in ["category", "startDate", "endDate", "owner"] {
        assert!(said.contains(field), "{field} missing from {said}");
    }
    assert!(status.violations.iter().all(|v| v.pointer == "/detail"));
}

const ASYNCAPI_2: &str = r##"
asyncapi: "2.6.0"
info: {title: Payments, version: "2.1.0"}
channels:
  payments:
    subscribe:
      message:
        oneOf:
          - $ref: "#/components/messages/PaymentCreated"
          - name: PaymentFailed
            deprecated: true
            payload: {type: object, required: [reason]}
components:
  messages:
    PaymentCreated:
      name: PaymentCreated
      x-version: "3"
      payload:
        $ref: "#/components/schemas/Payment"
  schemas:
    Payment:
      type: object
      required: [paymentId]
      properties:
        paymentId: {type: string}
"##;

const ASYNCAPI_3: &str = r##"
asyncapi: 3.0.0
info: {title: Auth, version: "1.0.0"}
channels:
  auth:
    address: auth
    messages:
      authCreated:
        $ref: "#/components/messages/AuthCreated"
components:
  messages:
    AuthCreated:
      x-event-type: AuthCreated
      payload:
        schemaFormat: application/vnd.aai.asyncapi+json;version=3.0.0
        schema:
          type: object
          required: [authId, paymentId]
    AuthSucceeded:
      title: AuthSucceeded
      payload: {type: object, required: [authId]}
"##;

#[test]
fn asyncapi_2_and_3_documents_give_one_contract_per_message() {
    let contracts = load(&[
        file("payments.yaml", ASYNCAPI_2),
        file("auth.yml", ASYNCAPI_3),
    ]);
    let names: Vec<(String, Option<String>, bool)> = contracts
        .iter()
        .map(|c| (c.event_type.clone(), c.version.clone(), c.deprecated))
        .collect();
    assert_eq!(
        names,
        vec![
            ("AuthCreated".into(), Some("1.0.0".into()), false),
            ("AuthSucceeded".into(), Some("1.0.0".into()), false),
            ("PaymentCreated".into(), Some("3".into()), false),
            ("PaymentFailed".into(), Some("2.1.0".into()), true),
        ]
    );
    let created = contracts.check(
        Some("PaymentCreated"),
        Some("3"),
        Some(&json!({"paymentId": 5})),
    );
    assert_eq!(
        pointers(&created),
        vec!["/paymentId"],
        "through components.schemas"
    );
    let auth = contracts.check(Some("AuthCreated"), None, Some(&json!({"authId": "a"})));
    assert_eq!(kinds(&auth), vec![ProblemKind::ContractViolation]);
    let failed = contracts.check(Some("PaymentFailed"), None, Some(&json!({"reason": "x"})));
    assert_eq!(kinds(&failed), vec![ProblemKind::DeprecatedVersion]);
}

#[test]
fn a_contract_that_does_not_load_names_the_file_and_the_place() {
    let broken = Contracts::from_files("/c", &[file("Broken.json", "{\"type\": ")]).unwrap_err();
    assert!(
        broken.to_string().starts_with("/c/Broken.json: not a JSON"),
        "{broken}"
    );

    let bad = Contracts::from_files("/c", &[schema_file("Bad.json", json!({"type": 12}))])
        .unwrap_err()
        .to_string();
    assert!(bad.starts_with("/c/Bad.json"), "{bad}");

    // A $ref to a file that was not given is never fetched.
    let remote = Contracts::from_files(
        "/c",
        &[schema_file(
            "Remote.json",
            json!({"$ref": "https://example.com/s.json"}),
        )],
    )
    .unwrap_err()
    .to_string();
    assert!(remote.starts_with("/c/Remote.json"), "{remote}");
    assert!(remote.contains("never fetches"), "{remote}");

    let avro = ASYNCAPI_3.replace(
        "application/vnd.aai.asyncapi+json;version=3.0.0",
        "application/vnd.apache.avro;version=1.9.0",
    );
    let avro = Contracts::from_files("/c", &[file("auth.yaml", &avro)])
        .unwrap_err()
        .to_string();
    assert!(
        avro.starts_with("/c/auth.yaml at /components/messages/AuthCreated: payload schema format application/vnd.apache.avro"),
        "{avro}"
    );

    let twice = Contracts::from_files(
        "/c",
        &[
            schema_file("T/1.json", json!({})),
            schema_file("T/v1.json", json!({})),
        ],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        twice,
        "two contracts for T version 1: T/1.json and T/v1.json"
    );

    let empty = Contracts::from_files("/c", &[]).unwrap_err().to_string();
    assert!(empty.contains("no contract found"), "{empty}");
}

#[test]
fn violation_messages_never_quote_the_value() {
    let contracts = load(&[schema_file(
        "Login.json",
        json!({"properties": {"password": {"type": "string", "minLength": 40}}}),
    )]);
    let checked = contracts.check(
        Some("Login"),
        None,
        Some(&json!({"password": "hunter2-secret"})),
    );
    let status = checked.status.unwrap();
    assert_eq!(status.violations.len(), 1);
    assert!(
        !status.violations[0].message.contains("hunter2"),
        "{:?}",
        status.violations
    );
    assert!(!checked.problems[0].message.contains("hunter2"));
}

#[test]
fn inferred_contracts_accept_what_they_were_inferred_from_and_catch_the_rest() {
    let policy = Policy::builtin();
    let statuses = ["NEW", "PAID", "NEW", "PAID", "NEW", "PAID"];
    let bodies: Vec<Value> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut b = json!({
                "paymentId": format!("p-{i}"),
                "status": s,
                "amount": if i % 2 == 0 { json!(10) } else { json!(10.5) },
                "createdAt": format!("2024-03-0{}T10:00:00Z", i + 1),
                "password": "same-secret-everywhere",
                "tags": ["a", i.to_string()],
            });
            if i == 0 {
                b["note"] = json!(null);
            }
            b
        })
        .collect();
    let inferred = infer_schemas(bodies.iter().map(|b| ("Paid", Some("2"), b)), &policy);
    assert_eq!(inferred.len(), 1);
    let schema = &inferred[0].schema;
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["properties"]["status"]["enum"],
        json!(["NEW", "PAID"])
    );
    assert_eq!(schema["properties"]["createdAt"]["format"], "date-time");
    assert_eq!(schema["properties"]["amount"]["type"], "number");
    assert!(schema["properties"]["paymentId"].get("enum").is_none());
    let required = schema["required"].as_array().unwrap();
    assert!(required.contains(&json!("paymentId")) && !required.contains(&json!("note")));
    let text = schema.to_string();
    assert!(
        !text.contains("same-secret"),
        "a secret made it into the schema: {text}"
    );

    let files: Vec<ContractFile> = inferred
        .iter()
        .map(|s| schema_file("Paid/2.json", s.schema.clone()))
        .collect();
    let contracts = load(&files);
    for body in &bodies {
        let checked = contracts.check(Some("Paid"), Some("2"), Some(body));
        assert_eq!(kinds(&checked), vec![], "{body}: {:?}", checked.problems);
    }
    let other = json!({"status": "REFUNDED", "amount": "10", "createdAt": "2024-03-01T10:00:00Z",
                       "password": "x", "tags": []});
    let checked = contracts.check(Some("Paid"), Some("2"), Some(&other));
    let mut at = pointers(&checked);
    at.sort();
    assert_eq!(at, vec!["", "/amount", "/status"], "{:?}", checked.status);
}
