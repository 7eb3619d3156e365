//! The module graph reads one way: sources and matchers below, delivery on top; messages
//! (`models`) below everything. Read from the `crate::` paths of each source file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module of every `src/` file, and the text of the module's files (comments
/// stripped).
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let top = relative.components().next().unwrap().as_os_str();
            let top = top.to_string_lossy().trim_end_matches(".rs").to_owned();
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            modules.entry(top).or_default().push_str(&text);
        }
    }
    modules
}

/// The top-level modules `text` names through `crate::`.
fn imports(text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    text.match_indices("crate::")
        .filter_map(|(at, _)| {
            let rest = &text[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            known.contains(&name).then_some(name)
        })
        .collect()
}

/// Every module reachable from `roots` by imports.
fn reachable(roots: &[&str]) -> BTreeSet<String> {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
    while let Some(module) = stack.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        stack.extend(imports(&modules[&module], &known));
    }
    seen
}

#[test]
fn models_import_no_stage() {
    assert_eq!(
        reachable(&["models"]),
        BTreeSet::from(["models".to_owned()])
    );
}

#[test]
fn telemetry_is_a_leaf() {
    assert_eq!(
        reachable(&["telemetry"]),
        BTreeSet::from(["telemetry".to_owned()])
    );
}

#[test]
fn events_and_grade_stand_below_deliver() {
    let below = reachable(&["events", "grade"]);
    for upper in ["deliver", "api", "engine", "config", "ingest"] {
        assert!(
            !below.contains(upper),
            "events/grade reach {upper}: {below:?}"
        );
    }
}

#[test]
fn the_stateless_half_needs_neither_reqwest_nor_rusqlite() {
    let modules = modules();
    let stateless = reachable(&["decode", "normalize", "rules", "matching"]);
    for module in &stateless {
        assert!(
            !["deliver", "api", "engine", "config"].contains(&module.as_str()),
            "decode → normalize → match reaches {module}"
        );
        for crate_name in ["reqwest::", "rusqlite::"] {
            assert!(
                !modules[module].contains(crate_name),
                "{module}, reached from decode → normalize → match, uses {crate_name}"
            );
        }
    }
}
