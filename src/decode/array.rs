//! The elements of a JSON-array frame, found without parsing them.
//!
//! An array frame used to be parsed whole before any post was queued (a 16 MB array of
//! empty objects peaked at 1.7 GB), and one syntax error anywhere rejected every post in
//! it. Here a light scan (strings skipped with `memchr`, brackets counted) cuts the frame
//! into its elements; each is then decoded on its own, exactly as an NDJSON line is, so a
//! broken element is one counted reject and its neighbours go on.

/// One piece of an array frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// An element's bytes, trimmed (still to be parsed: it may be invalid JSON).
    Element(&'a [u8]),
    /// Something that is no element: an empty slot (`[1,,2]`), a stray closing bracket,
    /// text after the array, or a frame that ends inside the array.
    Broken(&'static str),
}

/// The pieces of `frame`, which starts with `[` (after whitespace).
pub fn pieces(frame: &[u8]) -> Pieces<'_> {
    let start = frame
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(frame.len(), |at| at + 1);
    Pieces {
        frame,
        at: start,
        state: State::BeforeElement,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After `[` or a `,`.
    BeforeElement,
    /// After the closing `]`: only whitespace may follow.
    Closed,
    Done,
}

pub struct Pieces<'a> {
    frame: &'a [u8],
    at: usize,
    state: State,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        loop {
            match self.state {
                State::Done => return None,
                State::Closed => {
                    self.state = State::Done;
                    let rest = &self.frame[self.at.min(self.frame.len())..];
                    if rest.iter().all(u8::is_ascii_whitespace) {
                        return None;
                    }
                    return Some(Piece::Broken("text after the end of the array"));
                }
                State::BeforeElement => {}
            }
            let start = self.at;
            let Some((end, terminator)) = self.scan_element() else {
                self.state = State::Done;
                let rest = self.frame[start..].trim_ascii();
                return Some(Piece::Broken(if rest.is_empty() {
                    "the array is not closed"
                } else {
                    "the frame ends inside an element"
                }));
            };
            let element = self.frame[start..end].trim_ascii();
            self.at = end + 1;
            if terminator == b']' {
                self.state = State::Closed;
                if element.is_empty() {
                    // `[]`, or the `]` after a trailing comma: `[1,]`.
                    if self.after_comma(start) {
                        return Some(Piece::Broken("a trailing comma"));
                    }
                    continue;
                }
            }
            if element.is_empty() {
                return Some(Piece::Broken("an empty element"));
            }
            return Some(Piece::Element(element));
        }
    }
}

impl Pieces<'_> {
    /// From `self.at`, finds the `,` or `]` that ends the element at nesting depth 0:
    /// its position and which it is; `None` when the frame ends first. A closing bracket
    /// with nothing open is taken as the array's end (the element before it is then
    /// invalid JSON if it was unbalanced).
    fn scan_element(&self) -> Option<(usize, u8)> {
        let bytes = self.frame;
        let mut depth = 0usize;
        let mut at = self.at;
        while at < bytes.len() {
            match bytes[at] {
                b'"' => at = string_end(bytes, at + 1)?,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b']' | b'}' => return Some((at, b']')),
                b',' if depth == 0 => return Some((at, b',')),
                _ => {}
            }
            at += 1;
        }
        None
    }

    /// Whether the last non-whitespace byte before `at` is a comma.
    fn after_comma(&self, at: usize) -> bool {
        self.frame[..at]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b',')
    }
}

/// The position of the `"` closing a string whose contents start at `at`.
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some(at);
        }
        at += 2;
        if at > bytes.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(frame: &str) -> Vec<Result<&str, &'static str>> {
        pieces(frame.as_bytes())
            .map(|p| match p {
                Piece::Element(e) => Ok(std::str::from_utf8(e).unwrap()),
                Piece::Broken(why) => Err(why),
            })
            .collect()
    }

    #[test]
    fn elements_are_cut_at_commas_outside_strings_and_brackets() {
        assert_eq!(
            split(r#" [ {"a":"x,]\"}"}, [1,[2]] ,"s" , 5 ] "#),
            [
                Ok(r#"{"a":"x,]\"}"}"#),
                Ok("[1,[2]]"),
                Ok(r#""s""#),
                Ok("5")
            ]
        );
        assert_eq!(split("[]"), []);
        assert_eq!(split(" [ \n ] \n"), []);
    }

    #[test]
    fn what_is_broken_is_one_piece_and_the_rest_goes_on() {
        assert_eq!(split("[1,,2]"), [Ok("1"), Err("an empty element"), Ok("2")]);
        assert_eq!(split("[1,2,]"), [Ok("1"), Ok("2"), Err("a trailing comma")]);
        assert_eq!(
            split("[1, 2"),
            [Ok("1"), Err("the frame ends inside an element")]
        );
        assert_eq!(split("[1, "), [Ok("1"), Err("the array is not closed")]);
        assert_eq!(
            split("[1] x"),
            [Ok("1"), Err("text after the end of the array")]
        );
        assert_eq!(split(r#"[{"a":1}}, {"b":2}]"#)[0], Ok(r#"{"a":1}"#));
        assert_eq!(
            split(r#"[1, "unterminated]"#),
            [Ok("1"), Err("the frame ends inside an element")]
        );
        assert_eq!(
            split(r#"[1, "\"#),
            [Ok("1"), Err("the frame ends inside an element")]
        );
    }
}
