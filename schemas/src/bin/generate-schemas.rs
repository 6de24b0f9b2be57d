//! Writes `schemas/json/` from the Rust types, removing files no type
//! produces any more. Run after changing a payload:
//! `cargo run -p schemas --bin generate-schemas`.

use std::fs;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = schemas::json_schema::json_dir();
    let files = schemas::json_schema::rendered();
    for existing in schema_files(&dir)? {
        let relative = existing
            .strip_prefix(&dir)
            .expect("found under dir")
            .to_path_buf();
        if !files.contains_key(&relative) {
            fs::remove_file(&existing)?;
            println!("removed {}", relative.display());
        }
    }
    for (relative, text) in &files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text)?;
            println!("wrote {}", relative.display());
        }
    }
    println!("{} schema files in {}", files.len(), dir.display());
    Ok(())
}

fn schema_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(schema_files(&path)?);
        } else if path.to_string_lossy().ends_with(".schema.json") {
            found.push(path);
        }
    }
    Ok(found)
}
