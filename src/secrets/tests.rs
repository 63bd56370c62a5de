use super::*;

#[test]
fn masks_credentials_in_text() {
    let p = Policy::builtin();
    let cases = [
        (
            "pulsar://alice:s3cretPassw0rd@broker:6650/t",
            "s3cretPassw0rd",
        ),
        (
            "--endpoint-url http://user:hunter2hunter2@localhost:4566",
            "hunter2hunter2",
        ),
        ("https://h/x?token=abcDEF123456&x=1", "abcDEF123456"),
        (
            "Authorization: Bearer abcDEF1234567890xyz",
            "abcDEF1234567890xyz",
        ),
    ];
    for (text, secret) in cases {
        let masked = p.mask_text(text);
        assert!(!masked.contains(secret), "{text} -> {masked}");
    }
    assert_eq!(p.mask_text("nothing to see here"), "nothing to see here");
}
