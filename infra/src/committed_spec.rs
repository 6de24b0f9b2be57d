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
