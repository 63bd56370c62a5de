//! An event's system metadata: the backend's own facts about a message
//! (SQS system attributes, Pulsar producer, sequence and publish time),
//! as names and JSON values in the order the backend gave them.
//!
//! A list rather than serde_json's `Map`: a backend fills it for every
//! message it reads, with names it knows in advance, and the map hashed
//! each name with SipHash (its hasher cannot be chosen) and allocated it
//! (about 3 k instructions of a Pulsar message's 48 k). A handful of
//! members is searched faster by a scan than by a hash, and the names a
//! backend writes are `&'static str`, never allocated.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// System metadata: each name once, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct System(Vec<(Cow<'static, str>, Value)>);

impl System {
    /// No metadata.
    pub fn new() -> System {
        System(Vec::new())
    }

    /// No metadata, with room for `names` without growing.
    pub fn with_capacity(names: usize) -> System {
        System(Vec::with_capacity(names))
    }

    /// Set `name` to `value`: in its place when it is there (its old value
    /// is handed back), else at the end.
    pub fn insert(&mut self, name: Cow<'static, str>, value: Value) -> Option<Value> {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.0.push((name, value));
                None
            }
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether `name` is there.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Take `name` out (the others keep their order).
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    /// Each name and value, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Value)> + ExactSizeIterator {
        self.0.iter().map(|(n, v)| (&**n, v))
    }

    /// Each value, in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same metadata as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(n, v)| (n.to_owned(), v.clone()))
            .collect()
    }
}

impl std::ops::Index<&str> for System {
    type Output = Value;

    /// The value of `name`; panics when there is none (as indexing a map
    /// does).
    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(value) => value,
            None => panic!("no system metadata named {name:?}"),
        }
    }
}

impl Serialize for System {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for System {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<System, D::Error> {
        struct Members;

        impl<'de> Visitor<'de> for Members {
            type Value = System;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<System, A::Error> {
                let mut system = System::new();
                while let Some((name, value)) = access.next_entry::<String, Value>()? {
                    system.insert(name.into(), value);
                }
                Ok(system)
            }
        }

        deserializer.deserialize_map(Members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_reads_like_a_json_object() {
        let text = r#"{"b":1,"a":{"x":[true]},"b":2,"c":"z"}"#;
        let system: System = serde_json::from_str(text).expect("an object");
        let map: Map<String, Value> = serde_json::from_str(text).expect("an object");
        assert_eq!(system.to_map(), map);
        assert_eq!(
            serde_json::to_string(&system).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(
            system.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["b", "a", "c"]
        );
        assert_eq!(system["b"], 2);
        assert!(serde_json::from_str::<System>("[1]").is_err());
    }

    #[test]
    fn insert_replaces_in_place_and_remove_keeps_the_rest_in_order() {
        let mut system = System::new();
        assert_eq!(system.insert("topic".into(), "t".into()), None);
        system.insert("partition".into(), 1.into());
        system.insert(String::from("producer_name").into(), "p".into());
        assert_eq!(
            system.insert("topic".into(), "u".into()),
            Some(Value::from("t"))
        );
        assert_eq!(system.len(), 3);
        assert_eq!(system.get("topic"), Some(&Value::from("u")));
        assert_eq!(system.remove("topic"), Some(Value::from("u")));
        assert_eq!(system.remove("topic"), None);
        assert_eq!(
            system.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ["partition", "producer_name"]
        );
        assert!(system.contains_key("partition") && !system.contains_key("topic"));
    }
}
