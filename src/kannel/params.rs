//! The parameters of a sendsms request as smsbox reads them: from a query
//! string or form body (`name=value&...`, `+` for a space, `%XX` for an
//! octet; gwlib/http.c `parse_cgivars`), or from the `X-Kannel-*` headers
//! of a POST whose body is the text (gw/smsbox.c
//! `get_x_kannel_from_headers`). Values are octets, not text: `udh` and a
//! UCS-2 `text` are binary. No I/O here.

use percent_encoding::percent_decode;

/// A request's parameters, in the order given. As Kannel's
/// `http_cgi_variable`, a name given twice means its first value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, Vec<u8>)>,
}

impl Params {
    /// `name=value&...` as a query string or an
    /// `application/x-www-form-urlencoded` body carries it. A pair without
    /// `=` is a name with an empty value.
    pub fn from_form(form: &[u8]) -> Params {
        let pairs = form
            .split(|&octet| octet == b'&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = match pair.iter().position(|&octet| octet == b'=') {
                    Some(at) => (&pair[..at], &pair[at + 1..]),
                    None => (pair, &[][..]),
                };
                (
                    String::from_utf8_lossy(&url_decode(name)).into_owned(),
                    url_decode(value),
                )
            })
            .collect();
        Params { pairs }
    }

    /// The `X-Kannel-*` headers of a POST: `X-Kannel-DLR-Mask` is the
    /// `dlr-mask` parameter and so on, values trimmed and taken as written,
    /// except `X-Kannel-UDH`, which is hex (or, failing that, URL-encoded;
    /// neither: no UDH, as Kannel does).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Params {
        const PREFIX: &str = "x-kannel-";
        let pairs = headers
            .into_iter()
            .filter_map(|(name, value)| {
                let name = name.to_ascii_lowercase();
                let name = name.strip_prefix(PREFIX)?.to_string();
                let value = value.trim_ascii();
                if name == "udh" {
                    return hex_decode(value)
                        .or_else(|| strict_url_decode(value))
                        .map(|udh| (name, udh));
                }
                Some((name, value.to_vec()))
            })
            .collect();
        Params { pairs }
    }

    /// Sets `name` unless it is given already.
    pub fn set_default(&mut self, name: &str, value: Vec<u8>) {
        if self.get(name).is_none() {
            self.pairs.push((name.to_string(), value));
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_slice())
    }

    /// The first value of `name`, else of `alias` (Kannel's `user` for
    /// `username`, `dlrurl` for `dlr-url`, ...).
    pub fn get_either(&self, name: &str, alias: &str) -> Option<&[u8]> {
        self.get(name).or_else(|| self.get(alias))
    }

    /// The value as an integer the way smsbox's `sscanf("%d")` reads it:
    /// leading blanks, a sign, digits, anything after ignored. No digits
    /// (or a number past `i64`) is "not given".
    pub fn integer(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(scan_integer)
    }

    /// `username` (or `user`) and `password` (or `pass`), both required.
    pub fn credentials(&self) -> Option<(String, String)> {
        let user = self.get_either("username", "user")?;
        let password = self.get_either("password", "pass")?;
        Some((
            String::from_utf8(user.to_vec()).ok()?,
            String::from_utf8(password.to_vec()).ok()?,
        ))
    }
}

/// `+` as a space, then `%XX` as that octet; a `%` not followed by two hex
/// digits stays as written.
fn url_decode(encoded: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = encoded
        .iter()
        .map(|&octet| if octet == b'+' { b' ' } else { octet })
        .collect();
    percent_decode(&spaced).collect()
}

/// As [`url_decode`], but `None` for a `%` without two hex digits after it
/// (Kannel's `octstr_url_decode` failing).
fn strict_url_decode(encoded: &[u8]) -> Option<Vec<u8>> {
    let malformed = encoded.iter().enumerate().any(|(at, &octet)| {
        octet == b'%'
            && !encoded
                .get(at + 1..at + 3)
                .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
    });
    (!malformed).then(|| url_decode(encoded))
}

fn hex_decode(hex: &[u8]) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

fn scan_integer(value: &[u8]) -> Option<i64> {
    let value = value.trim_ascii_start();
    let (negative, digits) = match value.first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let end = digits
        .iter()
        .position(|octet| !octet.is_ascii_digit())
        .unwrap_or(digits.len());
    let number: i64 = std::str::from_utf8(&digits[..end]).ok()?.parse().ok()?;
    Some(if negative { -number } else { number })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_string_decodes_to_octets_with_plus_as_space() {
        let params =
            Params::from_form(b"to=34600111222+34600111333&text=caf%C3%A9&udh=%06%05&flag");
        assert_eq!(params.get("to"), Some(&b"34600111222 34600111333"[..]));
        assert_eq!(params.get("text"), Some("café".as_bytes()));
        assert_eq!(params.get("udh"), Some(&[0x06, 0x05][..]));
        assert_eq!(params.get("flag"), Some(&b""[..]));
        assert_eq!(params.get("from"), None);
    }

    #[test]
    fn the_first_value_of_a_name_wins_and_aliases_are_second_choice() {
        let params = Params::from_form(b"user=a&username=b&password=x&password=y");
        assert_eq!(params.credentials(), Some(("b".into(), "x".into())));
        let params = Params::from_form(b"user=a&pass=p");
        assert_eq!(params.credentials(), Some(("a".into(), "p".into())));
        assert_eq!(Params::from_form(b"user=a").credentials(), None);
    }

    #[test]
    fn integers_are_read_as_sscanf_reads_them() {
        let params = Params::from_form(b"a=%2012x&b=-3&c=abc&d=&e=%2B7&f=99999999999999999999");
        assert_eq!(params.integer("a"), Some(12));
        assert_eq!(params.integer("b"), Some(-3));
        assert_eq!(params.integer("c"), None);
        assert_eq!(params.integer("d"), None);
        assert_eq!(params.integer("e"), Some(7));
        assert_eq!(params.integer("f"), None);
        assert_eq!(params.integer("missing"), None);
    }

    #[test]
    fn x_kannel_headers_become_parameters_with_a_hex_udh() {
        let params = Params::from_headers([
            ("X-Kannel-To", &b" 34600111222 "[..]),
            ("X-Kannel-DLR-Mask", b"3"),
            ("x-kannel-udh", b"0605041582"),
            ("Content-Type", b"text/plain"),
        ]);
        assert_eq!(params.get("to"), Some(&b"34600111222"[..]));
        assert_eq!(params.integer("dlr-mask"), Some(3));
        assert_eq!(params.get("udh"), Some(&[0x06, 0x05, 0x04, 0x15, 0x82][..]));
        assert_eq!(params.get("content-type"), None);
        let url_encoded = Params::from_headers([("X-Kannel-UDH", &b"%06%05"[..])]);
        assert_eq!(url_encoded.get("udh"), Some(&[0x06, 0x05][..]));
        let garbage = Params::from_headers([("X-Kannel-UDH", &b"%zz"[..])]);
        assert_eq!(garbage.get("udh"), None);
    }

    #[test]
    fn a_default_does_not_replace_a_given_value() {
        let mut params = Params::from_form(b"coding=2");
        params.set_default("coding", b"0".to_vec());
        params.set_default("text", b"hi".to_vec());
        assert_eq!(params.integer("coding"), Some(2));
        assert_eq!(params.get("text"), Some(&b"hi"[..]));
    }
}
