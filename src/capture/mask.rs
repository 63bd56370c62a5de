//! Masking secrets inside a capture document.

use serde_json::Value;

use crate::sanitize::mask_secret;

/// Replace the string at each path (`$.body.bearer`, `$.attributes.token`,
/// `$.body.payload.token` where `payload` is a JSON-encoded string) with its
/// masked form. Paths are simple `$.a.b` or `$.a['b']` chains; a path that
/// leads nowhere is ignored.
pub fn mask_paths(doc: &mut Value, paths: &[String]) {
    for path in paths {
        let segments = parse_simple_path(path);
        mask_at(doc, &segments);
    }
}

fn mask_at(value: &mut Value, segments: &[String]) {
    let Some((first, rest)) = segments.split_first() else {
        if let Value::String(s) = value {
            *s = mask_secret(s);
        }
        return;
    };
    match value {
        Value::Object(map) => {
            if let Some(child) = map.get_mut(first.as_str()) {
                mask_at(child, rest);
            }
        }
        Value::Array(items) => {
            if let Some(child) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                mask_at(child, rest);
            }
        }
        Value::String(text) => {
            // A JSON-encoded string: mask inside it and encode it again.
            if let Ok(mut inner) = serde_json::from_str::<Value>(text) {
                mask_at(&mut inner, segments);
                if let Ok(encoded) = serde_json::to_string(&inner) {
                    *text = encoded;
                }
            }
        }
        _ => {}
    }
}

fn parse_simple_path(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let rest = path.strip_prefix('$').unwrap_or(path);
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                segments.push(name);
            }
            '[' => {
                let mut name = String::new();
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                    name.push(n);
                }
                segments.push(name.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
            _ => {}
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_plain_nested_and_encoded_paths() {
        let mut doc = json!({
            "body": {"bearer": "abcdefghijklmnop", "payload": "{\"token\":\"qrstuvwxyz123456\"}"},
            "attributes": {"x-api-key": "secretsecretsecret"}
        });
        mask_paths(
            &mut doc,
            &[
                "$.body.bearer".into(),
                "$.body.payload.token".into(),
                "$.attributes['x-api-key']".into(),
                "$.nowhere.at.all".into(),
            ],
        );
        let text = doc.to_string();
        assert!(!text.contains("abcdefghijklmnop"));
        assert!(!text.contains("qrstuvwxyz123456"));
        assert!(!text.contains("secretsecretsecret"));
        assert!(doc["body"]["bearer"].as_str().unwrap().starts_with("abcd…"));
    }
}
