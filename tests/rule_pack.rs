//! The shipped rule pack must compile and pass all of its own examples.

#[test]
fn the_shipped_rule_pack_loads_and_passes_its_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let matcher = fenghuo::matching::Matcher::load(&dir, 1).unwrap_or_else(|e| panic!("{e}"));
    let rules = matcher.rules();
    assert!(rules.rules().len() >= 20, "{} rules", rules.rules().len());
    assert!(fenghuo::matching::examples::count(rules) >= 150);
}
