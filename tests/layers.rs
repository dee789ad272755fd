//! The architecture, checked: the two front ends (`ui`, `cli`) stand on the `session` core and never
//! import each other, and the layers below (`store`, `feed`, `text`) import neither the core nor a
//! front end. A check of `use crate::…`/`crate::…` paths in the source files.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Files under `src/<module>` (or `src/<module>.rs`) that name `crate::<forbidden>`.
fn offenders(module: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let dir = src.join(module);
    if dir.is_dir() {
        rust_files(&dir, &mut files);
    }
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    assert!(!files.is_empty(), "no source for {module}");
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for f in forbidden {
                if line.contains(&format!("crate::{f}::"))
                    || line.contains(&format!("crate::{f};"))
                    || line.contains(&format!("crate::{f}}}"))
                {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_command_line_never_imports_the_reader() {
    assert_eq!(offenders("cli", &["ui"]), Vec::<String>::new());
}

#[test]
fn the_reader_never_imports_the_command_line() {
    assert_eq!(offenders("ui", &["cli"]), Vec::<String>::new());
}

#[test]
fn the_core_imports_no_front_end() {
    assert_eq!(offenders("session", &["ui", "cli"]), Vec::<String>::new());
}

#[test]
fn the_layers_below_import_neither_the_core_nor_a_front_end() {
    for module in ["store", "feed", "text"] {
        assert_eq!(
            offenders(module, &["ui", "cli", "session"]),
            Vec::<String>::new(),
            "{module}"
        );
    }
}
