//! Contracts as a user tries them: infer from a capture, check the same and
//! other data, filter on the contract facet, AsyncAPI documents, versions.

mod bin_support;

use std::path::Path;

use bin_support::{stderr, stdout};
use serde_json::{Value, json};

fn evscope(args: &[&str]) -> std::process::Output {
    bin_support::evscope(args, &[])
}

fn capture(dir: &Path, name: &str, events: &[Value]) -> String {
    let path = dir.join(name);
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn paid(i: usize, status: &str, version: &str) -> Value {
    json!({"eventName": "PaymentAuthorised", "eventId": format!("e-{i}"), "version": version,
           "creationDate": format!("2024-05-0{}T10:00:00Z", i % 9 + 1),
           "data": {"paymentId": format!("p-{i}"), "status": status, "amount": 10 + i}})
}

fn good_events() -> Vec<Value> {
    (0..9)
        .map(|i| paid(i, ["NEW", "DONE"][i % 2], if i < 6 { "2" } else { "1" }))
        .collect()
}

#[test]
fn inferred_contracts_pass_their_own_data_and_catch_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let good = capture(dir.path(), "good.jsonl", &good_events());
    let contracts = dir.path().join("contracts");
    let c = contracts.to_str().unwrap();
    let out = evscope(&["contracts", "infer", &good, "-o", c]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(contracts.join("PaymentAuthorised/2.json").is_file());
    assert!(contracts.join("PaymentAuthorised/1.json").is_file());

    let out = evscope(&["--contracts", c, "check", &good]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("9 checked, 9 valid, 0 violating"),
        "{}",
        stdout(&out)
    );

    let mut other = good_events();
    other[0]["data"]["status"] = json!("REFUNDED");
    other[1]["data"]
        .as_object_mut()
        .unwrap()
        .remove("paymentId");
    other[2]["version"] = json!("7");
    let other = capture(dir.path(), "other.jsonl", &other);
    let out = evscope(&["--contracts", c, "check", &other]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    // The third also breaks v2's `version` enum: the latest it was checked against.
    assert!(text.contains("contract_violation      3"), "{text}");
    assert!(text.contains("unknown_version         1"), "{text}");
    let advisory = evscope(&["--contracts", c, "check", "--contracts-advisory", &other]);
    assert_eq!(advisory.status.code(), Some(0), "{}", stdout(&advisory));

    // The facet and the problem kinds are usable in filters.
    let out = evscope(&[
        "--contracts",
        c,
        "peek",
        &other,
        "--filter",
        "@.meta.contract.valid == false",
    ]);
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["body"]["eventId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, vec!["e-0", "e-1", "e-2"]);
    let out = evscope(&[
        "--contracts",
        c,
        "peek",
        &other,
        "--filter",
        "@.problems[?@.kind == 'contract_violation']",
    ]);
    let line: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let violations = &line["meta"]["contract"]["violations"];
    assert_eq!(violations[0]["pointer"], "/data/status", "{line}");

    // A second infer into the same directory refuses to replace files...
    let again = evscope(&["contracts", "infer", &good, "-o", c]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("exists; pass --force"),
        "{}",
        stderr(&again)
    );
    // ...and with --force keeps the permissions of what it replaces.
    use std::os::unix::fs::PermissionsExt;
    let file = contracts.join("PaymentAuthorised/2.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let forced = evscope(&["contracts", "infer", &good, "-o", c, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn an_asyncapi_document_is_a_contract_and_versions_shows_what_can_be_retired() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("payments.yaml");
    std::fs::write(
        &spec,
        r##"
asyncapi: 3.0.0
info: {title: Payments, version: "2"}
channels:
  payments:
    messages:
      old: {$ref: "#/components/messages/PaymentAuthorisedV0"}
      current: {$ref: "#/components/messages/PaymentAuthorised"}
components:
  messages:
    PaymentAuthorisedV0:
      name: PaymentAuthorised
      x-version: "0"
      deprecated: true
      payload: {type: object}
    PaymentAuthorised:
      name: PaymentAuthorised
      payload:
        type: object
        required: [data]
        properties:
          data: {type: object, required: [paymentId, amount]}
"##,
    )
    .unwrap();
    let events = capture(
        dir.path(),
        "e.jsonl",
        &[paid(1, "NEW", "2"), paid(2, "NEW", "2")],
    );
    let spec = spec.to_str().unwrap();
    let out = evscope(&["--contracts", spec, "contracts", "list"]);
    let list = stdout(&out);
    assert!(
        list.contains("PaymentAuthorised") && list.contains("(deprecated)"),
        "{list}"
    );

    let out = evscope(&["--contracts", spec, "versions", &events]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.contains("deprecated, unused: can be retired"),
        "{table}"
    );
    let out = evscope(&["--contracts", spec, "versions", "--format", "json", &events]);
    let t: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(t["type"], "PaymentAuthorised");
    assert_eq!(t["versions"][0]["version"], "0");
    assert_eq!(t["versions"][0]["events"], 0);
    assert_eq!(t["versions"][1]["events"], 2);
    let out = evscope(&["--contracts", spec, "check", &events]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_contract_that_does_not_load_is_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("c")).unwrap();
    std::fs::write(dir.path().join("c/Broken.json"), "{\"type\": [").unwrap();
    let events = capture(dir.path(), "e.jsonl", &[paid(1, "NEW", "2")]);
    let c = dir.path().join("c");
    let out = evscope(&["--contracts", c.to_str().unwrap(), "check", &events]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("Broken.json: not a JSON or YAML document"),
        "{err}"
    );
    let missing = evscope(&["--contracts", "/nonexistent/contracts", "check", &events]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("/nonexistent/contracts"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn the_demo_contracts_find_every_kind_of_contract_problem() {
    let contracts = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/contracts");
    let out = evscope(&["--contracts", contracts, "check", "demo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "contract_violation      3",
        "unknown_type            2",
        "unknown_version         1",
        "deprecated_version      2",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    // The AsyncAPI document and the schema directory load side by side.
    let list = stdout(&evscope(&["--contracts", contracts, "contracts", "list"]));
    assert!(
        list.contains("payments.asyncapi.yaml#/components/messages/PaymentCreatedV1  (deprecated)"),
        "{list}"
    );
    assert!(list.contains("OrderPlaced/2.json"), "{list}");
    assert!(
        !list.contains("common/classic.json"),
        "a shared definition is no contract: {list}"
    );
}
