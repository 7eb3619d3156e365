//! The human log keeps one event per line, whatever a feed put in a field.
//!
//! `tracing`'s human format writes field values as they are: a post id holding `\n` forged
//! a whole log line (`… id=1\n2026-… INFO fenghuo: rules reloaded`). The fmt layer writes
//! each event with one `write` call ending in its newline, so this writer escapes every
//! control character but that last newline (and the colour escapes when colour is on).

use std::io::Write;

/// A `MakeWriter` for the human log: stderr, control characters escaped.
#[derive(Debug, Clone, Copy)]
pub struct EscapedStderr {
    /// Keep ESC (terminal colours) as is.
    pub ansi: bool,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for EscapedStderr {
    type Writer = Escaped<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Escaped {
            inner: std::io::stderr(),
            ansi: self.ansi,
        }
    }
}

/// Escapes control characters of what it is given before passing it on.
pub struct Escaped<W> {
    pub inner: W,
    pub ansi: bool,
}

impl<W: Write> Write for Escaped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (body, end) = match buf.strip_suffix(b"\n") {
            Some(body) => (body, &b"\n"[..]),
            None => (buf, &b""[..]),
        };
        if !body.iter().any(|&b| is_escaped(b, self.ansi)) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut out = Vec::with_capacity(buf.len() + 16);
        for &b in body {
            if is_escaped(b, self.ansi) {
                match b {
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                }
            } else {
                out.push(b);
            }
        }
        out.extend_from_slice(end);
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// ASCII control characters but tab (and ESC while colour is on); UTF-8 text passes.
fn is_escaped(b: u8, ansi: bool) -> bool {
    (b < 0x20 && b != b'\t' && !(ansi && b == 0x1b)) || b == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_break_in_a_field_cannot_forge_a_line() {
        let mut out = Escaped {
            inner: Vec::new(),
            ansi: false,
        };
        let event = "2026-11-30 WARN post rejected id=1\n2026-11-30 INFO forged\r\x1b[31m 警察\n";
        out.write_all(event.as_bytes()).unwrap();
        let written = String::from_utf8(out.inner).unwrap();
        assert_eq!(written.lines().count(), 1, "{written:?}");
        assert_eq!(
            written,
            "2026-11-30 WARN post rejected id=1\\n2026-11-30 INFO forged\\r\\x1b[31m 警察\n"
        );
    }
}
