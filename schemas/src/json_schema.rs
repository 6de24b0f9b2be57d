//! The checked-in JSON Schema files, rendered from the Rust types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::log_event::{all_published, EventTypeInfo};
use crate::Envelope;

pub const REGENERATE: &str = "cargo run -p schemas --bin generate-schemas";

/// Where the files live in the source tree.
pub fn json_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("json")
}

/// `<topic>/<event_type>.v<version>.schema.json`, relative to [`json_dir`].
pub fn schema_path(info: &EventTypeInfo) -> PathBuf {
    Path::new(info.topic.name()).join(format!("{}.v{}.schema.json", info.event_type, info.version))
}

/// Every file that belongs under [`json_dir`], by relative path.
pub fn rendered() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut envelope =
        serde_json::to_value(schemars::schema_for!(Envelope)).expect("schemas are JSON");
    annotate(
        &mut envelope,
        [("x-topics", Value::from(crate::topic::ALL.to_vec()))],
    );
    files.insert(PathBuf::from("envelope.schema.json"), render(envelope));
    for info in all_published() {
        let mut schema = serde_json::to_value((info.schema)()).expect("schemas are JSON");
        annotate(
            &mut schema,
            [
                ("x-event-type", Value::from(info.event_type)),
                ("x-schema-version", Value::from(info.version)),
                ("x-topic", Value::from(info.topic.name())),
                ("x-key", Value::from(info.key_field)),
            ],
        );
        files.insert(schema_path(info), render(schema));
    }
    files
}

/// Tells analysts where a payload lives without reading Rust.
fn annotate<const N: usize>(schema: &mut Value, extra: [(&str, Value); N]) {
    if let Value::Object(map) = schema {
        for (k, v) in extra {
            map.insert(k.to_owned(), v);
        }
    }
}

/// Sorted keys, two-space indent, trailing newline: stable whatever
/// serde_json features other crates switch on.
fn render(value: Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value)).expect("schemas are JSON");
    text.push('\n');
    text
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
