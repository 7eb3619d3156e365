//! Property tests (issue 15, item 12): normalization is idempotent, and a rule fires
//! exactly when a brute-force reading of its logic over `str::find` says it should.

use std::path::PathBuf;

use fenghuo::matching::{Matcher, Session, Subject};
use fenghuo::normalize::normalize;
use fenghuo::rules::file::RuleFile;
use proptest::prelude::*;

/// Text as evaders write it: CJK (simplified and traditional), full-width and ASCII
/// letters, separators and zero-width characters between them.
fn evasive_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(vec![
                '警', '察', '打', '人', '員', '毆', '民', '蜀', '黍', '开', '枪'
            ]),
            proptest::sample::select(vec!['Ｐ', 'ｏ', 'P', 'o', 'l', 'I', 'c', 'e', '1']),
            proptest::sample::select(vec![
                ' ', '*', '.', '-', '_', '丶', '\u{200b}', '\u{3000}', '，'
            ]),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A term a rule author writes: two or three CJK characters.
fn term() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec!['警', '察', '打', '人', '民', '开', '枪']),
        2..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn normalization_is_idempotent(text in evasive_text()) {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once);
    }
}

proptest! {
    // Each case compiles a hyperscan database: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_rule_fires_iff_its_logic_holds_over_find(
        keywords in proptest::collection::vec(term(), 1..3),
        must in proptest::collection::vec(term(), 0..2),
        exclude in proptest::collection::vec(term(), 0..2),
        texts in proptest::collection::vec(evasive_text(), 1..8),
    ) {
        let quote = |terms: &[String]| {
            terms.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ")
        };
        let must_line = if must.is_empty() { String::new() } else { format!("must = [[{}]]\n", quote(&must)) };
        let file: RuleFile = toml::from_str(&format!(
            "[[rule]]\nid = \"p\"\nname = \"p\"\ndomain = \"d\"\nseverity = \"high\"\nkeywords = [{}]\n{must_line}exclude = [{}]\n",
            quote(&keywords),
            quote(&exclude),
        ))
        .unwrap();
        let Ok(rules) = fenghuo::rules::compile::compile(&[(PathBuf::from("p.toml"), file)], 1) else {
            // A term excluded and required at once may be refused by the compiler: no rule.
            return Ok(());
        };
        let matcher = Matcher::of_rules(rules);
        let mut session = Session::new();
        for text in texts {
            let normalized = normalize(&text);
            let has = |term: &String| normalized.contains(normalize(term).as_str());
            let expected = keywords.iter().any(has)
                && (must.is_empty() || must.iter().any(has))
                && !exclude.iter().any(has);
            let fired = matcher.judge(Subject::text(&text), &mut session, false).is_match();
            prop_assert_eq!(fired, expected, "text {:?} normalized {:?}", text, normalized);
        }
    }
}
