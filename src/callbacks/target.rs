//! Callback URLs: an account's `callback_url` and the HTTP API's per-message
//! `callback_url` are checked here, the same way, before anything is stored:
//! `http://` or `https://`, a host, nothing that is not a URL character.

/// The longest callback URL accepted: long enough for any real endpoint,
/// short enough that an outbox record stays far below the store's limit.
pub const MAX_URL_LEN: usize = 1024;

/// Why a callback URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// The URL is the empty string.
    #[error("must not be empty")]
    Empty,
    /// Longer than [`MAX_URL_LEN`] octets.
    #[error("at most {MAX_URL_LEN} characters")]
    TooLong,
    /// The scheme is not `http://` or `https://` (either case).
    #[error("must start with http:// or https://")]
    Scheme,
    /// Nothing between `://` and the path, query or fragment (e.g. `http:///x`).
    #[error("has no host")]
    NoHost,
    /// Whitespace or a control character anywhere in the URL; checked before
    /// the scheme.
    #[error("must not contain spaces or control characters")]
    Characters,
}

/// Checks a callback URL: `http[s]://host[:port][/path][?query]`.
pub fn check(url: &str) -> Result<(), UrlError> {
    if url.is_empty() {
        return Err(UrlError::Empty);
    }
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::Characters);
    }
    let lower = url.to_ascii_lowercase();
    if !lower.starts_with("http://") && !lower.starts_with("https://") {
        return Err(UrlError::Scheme);
    }
    if host(url).is_empty() {
        return Err(UrlError::NoHost);
    }
    Ok(())
}

/// The `host[:port]` of a URL (lower case), the unit the sender limits its
/// concurrency by, so one slow or dead customer server holds only its own
/// share of the connections. Empty when there is none.
pub fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    authority.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_with_a_host_are_accepted_and_others_named() {
        assert_eq!(check("http://example.com/dlr?x=1"), Ok(()));
        assert_eq!(check("HTTP://127.0.0.1:8080"), Ok(()));
        assert_eq!(check(""), Err(UrlError::Empty));
        assert_eq!(check("https://example.com/"), Ok(()));
        assert_eq!(check("ftp://example.com/"), Err(UrlError::Scheme));
        assert_eq!(check("example.com/dlr"), Err(UrlError::Scheme));
        assert_eq!(check("http:///path"), Err(UrlError::NoHost));
        assert_eq!(check("http://a b/"), Err(UrlError::Characters));
        let long = format!("http://example.com/{}", "x".repeat(MAX_URL_LEN));
        assert_eq!(check(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn the_host_is_the_authority_without_credentials() {
        assert_eq!(host("http://Example.com:81/a?b"), "example.com:81");
        assert_eq!(host("http://user:pw@example.com/"), "example.com");
        assert_eq!(host("http://example.com?x=/"), "example.com");
    }
}
