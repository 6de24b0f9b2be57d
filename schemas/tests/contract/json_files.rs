//! The checked-in JSON Schema files are exactly what the types generate.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use schemas::json_schema::{json_dir, rendered, REGENERATE};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path.strip_prefix(json_dir()).unwrap().to_path_buf());
        }
    }
    found
}

#[test]
fn checked_in_schemas_match_the_types() {
    let expected = rendered();
    let on_disk: BTreeSet<PathBuf> = files_under(&json_dir()).into_iter().collect();
    let mut problems = Vec::new();
    for (path, text) in &expected {
        match fs::read_to_string(json_dir().join(path)) {
            Err(_) => problems.push(format!("missing: {}", path.display())),
            Ok(found) => {
                // Compared as JSON so formatting alone never fails the build.
                let found: serde_json::Value = serde_json::from_str(&found).unwrap_or_default();
                let wanted: serde_json::Value = serde_json::from_str(text).unwrap();
                if found != wanted {
                    problems.push(format!("differs from its type: {}", path.display()));
                }
            }
        }
    }
    for path in on_disk.iter().filter(|p| !expected.contains_key(*p)) {
        problems.push(format!("no type generates: {}", path.display()));
    }
    assert!(
        problems.is_empty(),
        "schemas/json is stale; run `{REGENERATE}`\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn there_is_one_schema_file_per_published_version_plus_the_envelope() {
    let published = schemas::all_published().count();
    assert_eq!(rendered().len(), published + 1);
    assert!(rendered().contains_key(Path::new(
        "concert.reservations.v1/SeatHoldRequested.v1.schema.json"
    )));
    assert!(rendered().contains_key(Path::new(
        "concert.reservations.v1/SeatHoldRequested.v2.schema.json"
    )));
}
