//! Adding a query parameter to a URL (WebSocket resume cursors, robot signatures).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a query value keeps as is: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `url` with `name=value` appended as a query parameter, `value` percent-encoded.
pub fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let encoded = utf8_percent_encode(value, UNRESERVED);
    format!("{url}{separator}{name}={encoded}")
}

/// A query value as sent: `+` is a space, `%XX` escapes undone (invalid ones kept as they
/// are), invalid UTF-8 replaced.
pub fn decode_query_value(value: &str) -> String {
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::with_query_param;

    #[test]
    fn values_are_encoded_and_separators_chosen() {
        assert_eq!(
            with_query_param("ws://h/feed", "since", "12"),
            "ws://h/feed?since=12"
        );
        assert_eq!(
            with_query_param("http://h/s?a=1", "sign", "a+b/c="),
            "http://h/s?a=1&sign=a%2Bb%2Fc%3D"
        );
        assert_eq!(
            with_query_param("ws://h/feed", "since", "2026-11-30 警~"),
            "ws://h/feed?since=2026-11-30%20%E8%AD%A6~"
        );
    }
}
