//! Every saved fuzz input (`fuzz/corpus/TARGET/`, and crashes kept in
//! `fuzz/artifacts/TARGET/`) fed to the same function its `cargo fuzz` target calls
//! (`fuzz/harness.rs`): `make test` replays them on the stable toolchain, so a finding
//! fixed once stays fixed.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in [
        root.join("corpus").join(target),
        root.join("artifacts").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&input));
            assert!(outcome.is_ok(), "{target} fails on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no saved inputs for {target}");
}

#[test]
fn decode_corpus() {
    replay("decode", harness::decode);
}

#[test]
fn normalize_corpus() {
    replay("normalize", harness::normalize_text);
}

#[test]
fn rule_file_corpus() {
    replay("rule_file", harness::rule_file);
}

#[test]
fn matcher_corpus() {
    replay("matcher", harness::matcher);
}
