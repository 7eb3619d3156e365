//! Adding a query parameter to a URL (WebSocket resume cursors, robot signatures).

/// `url` with `name=value` appended as a query parameter, `value` percent-encoded.
pub fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let encoded: String = value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{url}{separator}{name}={encoded}")
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
    }
}
