//! Bodies compare as JSON values: `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }`
//! are the same request.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// SHA-256 of a body in canonical JSON (object keys sorted, no spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// `None` when the body is not JSON at all.
    pub fn of_body(body: &[u8]) -> Option<Fingerprint> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Some(Self::of_value(&value))
    }

    pub fn of_value(value: &Value) -> Fingerprint {
        let mut canonical = String::new();
        write_canonical(value, &mut canonical);
        Fingerprint(Sha256::digest(canonical.as_bytes()).into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn matches(&self, stored: &[u8]) -> bool {
        self.0.as_slice() == stored
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            // Sorted here rather than trusting the map's order, which a
            // serde_json feature elsewhere in the build could change.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (at, (name, value)) in entries.into_iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (at, item) in items.iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a = Fingerprint::of_body(br#"{"schedule_id":"x","seat_number":7}"#).unwrap();
        let b = Fingerprint::of_body(b"{ \"seat_number\" : 7,\n \"schedule_id\": \"x\" }").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn nested_objects_are_canonical_too() {
        let a = Fingerprint::of_body(br#"{"seats":[{"number":1,"price":5}],"t":"x"}"#).unwrap();
        let b = Fingerprint::of_body(br#"{"t":"x","seats":[{"price":5,"number":1}]}"#).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn different_values_or_array_order_differ() {
        let a = Fingerprint::of_body(br#"{"amount":100}"#).unwrap();
        assert_ne!(a, Fingerprint::of_body(br#"{"amount":101}"#).unwrap());
        assert_ne!(a, Fingerprint::of_body(br#"{"amount":"100"}"#).unwrap());
        let x = Fingerprint::of_body(br#"[1,2]"#).unwrap();
        assert_ne!(x, Fingerprint::of_body(br#"[2,1]"#).unwrap());
        assert!(Fingerprint::of_body(b"not json").is_none());
    }
}
