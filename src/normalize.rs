//! Normalization: the text rules see, built from the text a person wrote.
//!
//! Evaders write `警*察`, `警 察`, `ＰＯＬＩＣＥ`, `警察毆打`, or hide zero-width spaces inside
//! words. One pass folds all of these onto the same simplified, half-width, lowercase text, so
//! a rule author writes `警察` once. The original text is kept elsewhere for display.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use unicode_normalization::UnicodeNormalization;

/// Slang the traditional → simplified table does not map, rewritten to the term rule
/// authors use. Applied after conversion, so keys are simplified. Only terms that cannot
/// arise across a word boundary belong here: Taiwan's 員警 (→ 员警) is not one, since
/// 工作人员警告 contains 员警; rules list 员警 themselves.
const SYNONYMS: &[(&str, &str)] = &[("警蜀黍", "警察叔叔")];

/// Returns the normalized form of `text`: NFKC (full-width → half-width), lowercase,
/// zero-width characters removed, separators between two CJK characters removed,
/// traditional → simplified Chinese, and the synonym table applied.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(&[text], &mut out);
    out
}

/// [`normalize`] of the concatenation of `parts`, written into `out` (cleared first): the
/// hot path joins a post's title and body without building the joined text, and reuses
/// the caller's buffer.
pub fn normalize_into(parts: &[&str], out: &mut String) {
    let mut fold = Fold::new(out);
    // Most posts hold only characters whose NFKC form is themselves or a fixed shift
    // (full-width ASCII); those skip the general NFKC machinery, and their folded text is
    // NFKC. The first other character starts the text over through it.
    if parts.iter().all(|part| fold.simple(part)) {
        let traditional = fold.maybe_traditional;
        fold_scripts(out, traditional);
        return;
    }
    fold = Fold::new(out);
    for c in parts.concat().nfkc() {
        fold.push(c);
    }
    let mut traditional = fold.maybe_traditional;
    // Folding can undo NFKC: lowercasing `İ` gives `i` + U+0307, which must then move
    // behind a following combining mark of lower class, and dropping an invisible
    // character lets the marks on either side of it compose. Fold again until the text
    // is NFKC (once, in practice), so that normalizing normalized text changes nothing.
    for _ in 0..4 {
        if unicode_normalization::is_nfkc(out) {
            break;
        }
        let folded = std::mem::take(out);
        let mut fold = Fold::new(out);
        for c in folded.nfkc() {
            fold.push(c);
        }
        traditional |= fold.maybe_traditional;
    }
    fold_scripts(out, traditional);
}

/// Folds characters one at a time onto the output: drops invisible ones, drops
/// separators between two CJK characters (`警 * 察`) but keeps them elsewhere
/// (`hello world`), lowercases.
struct Fold<'a> {
    out: &'a mut String,
    /// Where the separators seen since the last kept character start in `out`.
    pending_from: Option<usize>,
    last_kept_is_cjk: bool,
    /// Whether a character the traditional → simplified table may change was kept.
    maybe_traditional: bool,
}

impl<'a> Fold<'a> {
    fn new(out: &'a mut String) -> Fold<'a> {
        out.clear();
        Fold {
            out,
            pending_from: None,
            last_kept_is_cjk: false,
            maybe_traditional: false,
        }
    }

    /// Folds `text` if every character has a simple NFKC form; false at the first that
    /// has not (the output is then incomplete).
    fn simple(&mut self, text: &str) -> bool {
        let traditional = traditional_table();
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(&lead) = bytes.get(at) {
            // CJK ideographs are the bulk of Chinese text: a run of them is copied at once,
            // without decoding.
            if is_plain_ideograph(&bytes[at..]) {
                let start = at;
                for ideograph in bytes[at..]
                    .chunks_exact(3)
                    .take_while(|b| is_plain_ideograph(b))
                {
                    let code = (ideograph[0] as usize & 0x0F) << 12
                        | (ideograph[1] as usize & 0x3F) << 6
                        | (ideograph[2] as usize & 0x3F);
                    self.maybe_traditional |= traditional[code / 64] & (1 << (code % 64)) != 0;
                    at += 3;
                }
                self.push_ideographs(&text[start..at]);
                continue;
            }
            if lead.is_ascii() {
                self.push(lead as char);
                at += 1;
                continue;
            }
            let Some(c) = text[at..].chars().next() else {
                break;
            };
            if !has_simple_nfkc(c) {
                return false;
            }
            self.push(simple_nfkc(c));
            at += c.len_utf8();
        }
        true
    }

    /// A run of [`is_plain_ideograph`]s.
    fn push_ideographs(&mut self, ideographs: &str) {
        if let Some(from) = self.pending_from.take() {
            if self.last_kept_is_cjk {
                self.out.truncate(from);
            }
        }
        self.out.push_str(ideographs);
        self.last_kept_is_cjk = true;
    }

    fn push(&mut self, c: char) {
        // Only 丶 among the ideographs is a separator.
        let cjk = is_cjk(c) && c != '丶';
        if !cjk {
            if is_invisible(c) {
                return;
            }
            if is_separator(c) {
                self.pending_from.get_or_insert(self.out.len());
                self.out.push(c);
                return;
            }
        }
        if let Some(from) = self.pending_from.take() {
            if cjk && self.last_kept_is_cjk {
                self.out.truncate(from);
            }
        }
        if c.is_ascii() {
            self.out.push(c.to_ascii_lowercase());
        } else if !cjk && c.is_uppercase() {
            for lower in c.to_lowercase() {
                self.maybe_traditional |= may_be_traditional(lower);
                self.out.push(lower);
            }
        } else {
            self.maybe_traditional |= may_be_traditional(c);
            self.out.push(c);
        }
        self.last_kept_is_cjk = cjk;
    }
}

/// Whether `utf8` starts with a CJK ideograph of U+4E00–U+9FFF other than the separator 丶:
/// lead byte E5–E9 (U+5000–U+9FFF), or E4 with a second byte from B8 (U+4E00–U+4FFF).
fn is_plain_ideograph(utf8: &[u8]) -> bool {
    match utf8 {
        [0xE5..=0xE9, ..] => true,
        [0xE4, second, third, ..] => *second >= 0xB8 && [*second, *third] != [0xB8, 0xB6],
        _ => false,
    }
}

/// Traditional → simplified (when `maybe_traditional`), then the synonym table, in place
/// of `text`.
fn fold_scripts(text: &mut String, maybe_traditional: bool) {
    static FINDERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
        SYNONYMS
            .iter()
            .map(|(from, _)| Finder::new(from.as_bytes()))
            .collect()
    });
    if maybe_traditional {
        *text = fast2s::convert(text);
    }
    for (finder, (from, to)) in FINDERS.iter().zip(SYNONYMS) {
        if finder.find(text.as_bytes()).is_some() {
            *text = text.replace(from, to);
        }
    }
}

/// Whether `fast2s` may change `c`, in some context. Most posts hold none of these
/// characters and skip the conversion (three hash lookups per CJK character).
fn may_be_traditional(c: char) -> bool {
    let code = c as usize;
    (0x800..0x10000).contains(&code) && traditional_table()[code / 64] & (1 << (code % 64)) != 0
}

/// A bit per BMP character: set where `fast2s` may change it.
fn traditional_table() -> &'static [u64] {
    // fast2s converts three-byte characters only, and only to its table's entry for one, or
    // (for a few characters) to a word-dependent choice.
    static TABLE: LazyLock<Vec<u64>> = LazyLock::new(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        let changed = (0x800..=0xFFFFu32).filter_map(char::from_u32).filter(|&c| {
            let alone = c.to_string();
            fast2s::convert(&alone) != alone
        });
        for c in changed.chain(WORD_DEPENDENT.chars()) {
            bits[c as usize / 64] |= 1 << (c as usize % 64);
        }
        bits
    });
    // Converted only inside certain words (藉口 → 借口, 看著 → 看着), so a lone one is kept.
    const WORD_DEPENDENT: &str = "藉著苧闔鍾讎畫";
    &TABLE
}

/// Characters whose NFKC form is one known character and that never compose with a
/// neighbour: ASCII, CJK ideographs, full-width ASCII, common CJK and typographic
/// punctuation, and the invisible characters removed below.
fn has_simple_nfkc(c: char) -> bool {
    c.is_ascii()
        || is_cjk_unified(c)
        || matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}'..='\u{3002}' | '\u{3008}'..='\u{3011}'
            | '\u{2014}' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{00B7}'
            | '\u{200B}'..='\u{200D}' | '\u{FEFF}')
}

/// The NFKC form of a character for which [`has_simple_nfkc`] holds.
fn simple_nfkc(c: char) -> char {
    match c {
        // Full-width ASCII variants sit at a fixed offset from ASCII.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// CJK unified ideographs (basic and extension A): their own NFKC form.
fn is_cjk_unified(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Zero-width and formatting characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Characters evaders put between the characters of a word. Sentence punctuation
/// (`，。！？；：` and their half-width forms after NFKC) is not among them: removing it would
/// join the end of one clause to the start of the next.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '*' | '/'
                | '\\'
                | '.'
                | '-'
                | '_'
                | '|'
                | '~'
                | '+'
                | '='
                | '#'
                | '^'
                | '&'
                | '`'
                | '<'
                | '>'
                | '·'
                | '•'
                | '・'
                | '‧'
                | '丶'
                | '★'
                | '☆'
                | '※'
                | '♥'
                | '❤'
                | '○'
                | '●'
                | '◆'
                | '◇'
                | '■'
                | '□'
                | '△'
                | '▲'
                | '×'
                | '✖'
                | '—'
                | '〇'
        )
}

/// Han ideographs (basic, extension A and B, compatibility).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{2A6DF}'
        | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::normalize;

    /// Found by `make fuzz` (fuzz/artifacts/normalize/): folding broke NFKC, so a second
    /// normalization changed the text again.
    #[test]
    fn folding_never_leaves_text_a_second_pass_would_change() {
        for text in [
            // `İ` lowercases to `i` + U+0307 (class 230) before U+031F (class 220).
            "İ\u{31F}\u{31F}",
            // The zero-width space dropped between `e` and an acute accent.
            "E\u{200B}\u{301}",
            "ǅ\u{200D}\u{30C}\u{323}",
            // Found by the property test below: a full-width letter takes the slow path.
            "Ｏ\u{200B}\u{301}",
        ] {
            let once = normalize(text);
            assert_eq!(normalize(&once), once, "{text:?}");
        }
    }

    #[test]
    fn separators_between_cjk_are_removed() {
        for evasion in [
            "警*察",
            "警 察",
            "警/察",
            "警.察",
            "警 * 察",
            "警\u{200B}察",
            "警・察",
        ] {
            assert_eq!(normalize(evasion), "警察", "{evasion:?}");
        }
    }

    #[test]
    fn separators_elsewhere_are_kept() {
        assert_eq!(normalize("hello world"), "hello world");
        assert_eq!(normalize("110 报警"), "110 报警");
        assert_eq!(normalize("警察，打人"), "警察,打人");
    }

    #[test]
    fn full_width_case_and_traditional_fold() {
        assert_eq!(normalize("ＰＯＬＩＣＥ２０２６"), "police2026");
        assert_eq!(normalize("警察毆打"), "警察殴打");
        assert_eq!(normalize("輔警"), "辅警");
        assert_eq!(normalize("警蜀黍"), "警察叔叔");
        assert_eq!(normalize("工作人员警告"), "工作人员警告");
    }

    #[test]
    fn the_fast_path_agrees_with_nfkc_on_every_character_it_takes() {
        use unicode_normalization::UnicodeNormalization;
        for code in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if super::has_simple_nfkc(c) {
                let nfkc: String = c.to_string().nfkc().collect();
                assert_eq!(nfkc, super::simple_nfkc(c).to_string(), "U+{code:04X}");
            }
        }
    }

    /// The definition, step by step with no fast paths: NFKC of the whole text and the
    /// fold, again until the folded text is NFKC, then the script conversion and synonyms
    /// always.
    fn reference(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut folded = text.to_owned();
        loop {
            let input = std::mem::take(&mut folded);
            let mut fold = super::Fold::new(&mut folded);
            for c in input.nfkc() {
                fold.push(c);
            }
            if unicode_normalization::is_nfkc(&folded) {
                break;
            }
        }
        let mut simplified = fast2s::convert(&folded);
        for (from, to) in super::SYNONYMS {
            simplified = simplified.replace(from, to);
        }
        simplified
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_definition(
            text in "[警察輔毆打藉口看著丶一丿䷀㐀蜀黍人民 *・\\u{200B}ＰＯＬａｂAbCΣÉé\\u{0301}ﬁ　，。!1２]{0,24}"
        ) {
            proptest::prop_assert_eq!(normalize(&text), reference(&text));
        }
    }

    #[test]
    fn sentence_full_stop_is_kept() {
        assert_eq!(normalize("打人。民警"), "打人。民警");
    }
}
