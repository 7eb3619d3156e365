//! Normalization: the text rules see, built from the text a person wrote.
//!
//! Evaders write `警*察`, `警 察`, `ＰＯＬＩＣＥ`, `警察毆打`, or hide zero-width spaces inside
//! words. One pass folds all of these onto the same simplified, half-width, lowercase text, so
//! a rule author writes `警察` once. The original text is kept elsewhere for display.

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
    let mut folded = String::with_capacity(text.len());
    // Separators seen since the last kept character: dropped if a CJK character follows a
    // CJK character across them (`警 * 察`), kept otherwise (`hello world`).
    let mut pending = String::new();
    let mut last_kept_is_cjk = false;
    // Most posts hold only characters whose NFKC form is themselves or a fixed shift
    // (full-width ASCII); those skip the general NFKC machinery. Any other character sends
    // the whole text through it, so the result is always exactly NFKC.
    let folded_chars: Box<dyn Iterator<Item = char> + '_> = if text.chars().all(has_simple_nfkc) {
        Box::new(text.chars().map(simple_nfkc))
    } else {
        Box::new(text.nfkc())
    };
    for c in folded_chars {
        if is_invisible(c) {
            continue;
        }
        if is_separator(c) {
            pending.push(c);
            continue;
        }
        let cjk = is_cjk(c);
        if !pending.is_empty() {
            if !(cjk && last_kept_is_cjk) {
                folded.push_str(&pending);
            }
            pending.clear();
        }
        if c.is_uppercase() {
            folded.extend(c.to_lowercase());
        } else {
            folded.push(c);
        }
        last_kept_is_cjk = cjk;
    }
    folded.push_str(&pending);

    let mut simplified = fast2s::convert(&folded);
    for (from, to) in SYNONYMS {
        if simplified.contains(from) {
            simplified = simplified.replace(from, to);
        }
    }
    simplified
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

    #[test]
    fn sentence_full_stop_is_kept() {
        assert_eq!(normalize("打人。民警"), "打人。民警");
    }
}
