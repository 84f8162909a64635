//! Mechanical checks of the architecture's invariants, so that they stay true as the code
//! grows (see ARCHITECTURE.md):
//! - no service depends on another service's crate (only on `runtime` and `contracts`);
//! - the runtime and the contracts depend on no service;
//! - in a service, only `src/store/` speaks SQL;
//! - no `utils`/`common`/`helpers` dumping grounds in library code.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn services() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(workspace().join("services"))
        .expect("services dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Dependency names declared in a manifest's dependency tables.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = fs::read_to_string(manifest).expect("manifest");
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.ends_with("dependencies]");
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            let key = line.split(['=', '.']).next().unwrap_or_default().trim().trim_matches('"');
            out.push(key.to_owned());
            if let Some(package) = line.split("package").nth(1) {
                out.push(package.trim_start_matches([' ', '=']).split('"').nth(1).unwrap_or_default().to_owned());
            }
        }
    }
    out
}

fn forbidden_for(names: &[String]) -> Vec<String> {
    names.iter().flat_map(|n| [n.clone(), format!("mercato-{n}")]).collect()
}

#[test]
fn no_service_depends_on_another_service() {
    let names = services();
    assert!(names.len() >= 3, "{names:?}");
    for service in &names {
        let others: Vec<String> = names.iter().filter(|n| *n != service).cloned().collect();
        let forbidden = forbidden_for(&others);
        for dep in dependencies(&workspace().join("services").join(service).join("Cargo.toml")) {
            assert!(!forbidden.contains(&dep), "service `{service}` depends on another service's crate `{dep}`");
        }
    }
}

#[test]
fn runtime_and_contracts_know_no_service() {
    let forbidden = forbidden_for(&services());
    for krate in ["runtime", "contracts"] {
        for dep in dependencies(&workspace().join("crates").join(krate).join("Cargo.toml")) {
            assert!(!forbidden.contains(&dep), "`{krate}` depends on service crate `{dep}`");
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_store_speaks_sql() {
    for service in services() {
        let src = workspace().join("services").join(&service).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for file in files {
            let in_store = file.strip_prefix(&src).is_ok_and(|p| p.starts_with("store"));
            let text = fs::read_to_string(&file).expect("source");
            let speaks_sql = ["sqlx::query", "sqlx::raw_sql", "SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"]
                .iter()
                .any(|s| text.contains(s));
            assert!(in_store || !speaks_sql, "{} speaks SQL outside src/store/", file.display());
        }
    }
}

#[test]
fn no_dumping_ground_modules() {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["crates", "services"] {
        rust_files(&root.join(dir), &mut files);
    }
    for file in files.iter().filter(|f| f.components().all(|c| c.as_os_str() != "tests")) {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let parent = file.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or_default();
        for bad in ["utils", "util", "common", "helpers", "misc"] {
            assert!(
                stem != bad && !(stem == "mod" && parent == bad),
                "{} is a dumping ground; name modules after what they hold",
                file.display()
            );
        }
    }
}
