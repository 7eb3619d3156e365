//! The shipped rule pack must compile and pass all of its own examples.

#[test]
fn the_shipped_rule_pack_loads_and_passes_its_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let rules = fenghuo::rules::load(&dir, 1).unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.rules().len() >= 20, "{} rules", rules.rules().len());
    assert!(fenghuo::rules::examples::count(&rules) >= 150);
}
