//! The OpenAPI documents committed under `openapi/` (feature `testing`):
//! frontends generate their clients from those files, so a test compares
//! each with what its service serves and fails when they drift apart.

use std::path::PathBuf;

/// The command that rewrites the committed documents from the services.
pub const REGENERATE_OPENAPI: &str =
    "UPDATE_OPENAPI=1 cargo nextest run -p command-api -p query-api committed_openapi";

/// `openapi/<service>.json` at the workspace root.
pub fn committed_openapi_path(service: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("openapi")
        .join(format!("{service}.json"))
}

/// Checks `served` (a service's `GET /openapi.json`) against the committed
/// file, compared as JSON so formatting alone never fails; with
/// `UPDATE_OPENAPI=1` it writes the file instead (pretty, key order kept).
pub fn check_committed_openapi(service: &str, served: &str) {
    let lacking = bodies_without_examples(served);
    assert!(
        lacking.is_empty(),
        "{service}: bodies without an example:\n  {}",
        lacking.join("\n  ")
    );
    let path = committed_openapi_path(service);
    let served: serde_json::Value = serde_json::from_str(served).expect("the served spec is JSON");
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        let text = serde_json::to_string_pretty(&served).expect("JSON renders") + "\n";
        std::fs::write(&path, text).expect("openapi/ is writable");
        return;
    }
    let committed: serde_json::Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    assert!(
        committed == served,
        "{} differs from the spec {service} serves; run `{REGENERATE_OPENAPI}` \
         then `npm run generate` in web/",
        path.display()
    );
}

/// Every request and response body of `served` shows an example: on its
/// media type, on its schema, or on the component it names (an array's
/// items, or one of a `oneOf`, count). Answers what lacks one.
pub fn bodies_without_examples(served: &str) -> Vec<String> {
    let document: serde_json::Value = serde_json::from_str(served).unwrap_or_default();
    let components = &document["components"]["schemas"];
    let mut missing = Vec::new();
    let Some(paths) = document["paths"].as_object() else {
        return vec!["no paths".to_owned()];
    };
    for (path, operations) in paths {
        let Some(operations) = operations.as_object() else {
            continue;
        };
        for (method, operation) in operations {
            let mut bodies = vec![("request".to_owned(), &operation["requestBody"]["content"])];
            if let Some(responses) = operation["responses"].as_object() {
                bodies.extend(
                    responses
                        .iter()
                        .map(|(status, response)| (status.clone(), &response["content"])),
                );
            }
            for (which, content) in bodies {
                for (media, body) in content.as_object().into_iter().flatten() {
                    if body.get("example").is_none()
                        && !shows_example(&body["schema"], components, 0)
                    {
                        missing.push(format!("{method} {path} {which} {media}"));
                    }
                }
            }
        }
    }
    missing
}

/// `depth` bounds the walk through components naming components.
fn shows_example(schema: &serde_json::Value, components: &serde_json::Value, depth: u8) -> bool {
    if schema.get("example").is_some() {
        return true;
    }
    if depth > 8 {
        return false;
    }
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return shows_example(&components[name], components, depth + 1);
    }
    if schema.get("items").is_some() {
        return shows_example(&schema["items"], components, depth + 1);
    }
    schema["oneOf"].as_array().is_some_and(|options| {
        options
            .iter()
            .any(|o| shows_example(o, components, depth + 1))
    })
}
