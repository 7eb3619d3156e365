//! Bounds on what people send the API: a name, a comment, a list of matchers. Without them
//! a 10 MB `by` was stored with a step and shown on every wall.

/// Who took a step or made a silence; a department.
pub const MAX_NAME_CHARS: usize = 200;
/// A step's or silence's comment.
pub const MAX_COMMENT_CHARS: usize = 4000;
/// Entries in one matcher list of a silence.
pub const MAX_MATCHER_ENTRIES: usize = 100;
/// Bytes of a request body to the API's own endpoints (ingest has `max_frame_bytes`).
pub const MAX_API_BODY_BYTES: usize = 1 << 20;
/// The longest silence: a longer one hides alerts beyond any shift's memory.
pub const MAX_SILENCE_DAYS: i64 = 30;

/// An error naming `field` if `value` has more than `max` characters or a control
/// character (a line break in a name forges a line wherever it is shown).
pub fn text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        return Err(format!("`{field}` is longer than {max} characters"));
    }
    Ok(())
}

/// [`text`], for a one-line value: control characters are refused too.
pub fn name(field: &str, value: &str) -> Result<(), String> {
    text(field, value, MAX_NAME_CHARS)?;
    if value.chars().any(char::is_control) {
        return Err(format!("`{field}` holds a control character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_and_line_breaks_are_refused() {
        assert!(name("by", "张警官").is_ok());
        assert!(name("by", &"x".repeat(201)).is_err());
        assert!(name("by", "a\nINFO forged").is_err());
        assert!(text("comment", "line one\nline two", MAX_COMMENT_CHARS).is_ok());
        assert!(text("comment", &"长".repeat(4001), MAX_COMMENT_CHARS).is_err());
    }
}
