//! The templates of an `http` gateway's request: its URL and its body,
//! with `{{field}}` placeholders filled from the message part. Parsed once
//! when the configuration is read, so a misspelt field is a config error
//! with its line, not a request gone wrong at 3 a.m.; filled per request,
//! each value escaped for where it goes ([`Escape`]). No I/O.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// A value a template can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `{{to}}`: the destination number.
    To,
    /// `{{from}}`: the sender, a number or an alphanumeric id.
    From,
    /// `{{text}}`: this part's text, without its UDH.
    Text,
    /// `{{ucs2}}`: this part's text as UTF-16BE, in upper-case hex.
    Ucs2,
    /// `{{udh}}`: this part's UDH (UDHL first) in upper-case hex; empty
    /// for a message of one part.
    Udh,
    /// `{{coding}}`: `gsm` when GSM 03.38 holds the text, else `ucs2`.
    Coding,
    /// `{{id}}`: our message id of this part.
    Id,
    /// `{{part}}` and `{{parts}}`: this part's number and how many there
    /// are (1 and 1 for a message of one part).
    Part,
    /// `{{parts}}`: see [`Field::Part`].
    Parts,
}

impl Field {
    const ALL: [(&'static str, Field); 9] = [
        ("to", Field::To),
        ("from", Field::From),
        ("text", Field::Text),
        ("ucs2", Field::Ucs2),
        ("udh", Field::Udh),
        ("coding", Field::Coding),
        ("id", Field::Id),
        ("part", Field::Part),
        ("parts", Field::Parts),
    ];

    fn named(name: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, field)| *field)
    }

    /// The names a template may use, for error messages and the docs.
    pub fn names() -> String {
        Field::ALL
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a value is written into its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// In a URL: every octet but ASCII letters, digits and `-._~`
    /// percent-encoded (RFC 3986 unreserved).
    Url,
    /// In an `application/x-www-form-urlencoded` body: as in a URL, with
    /// a space written `+` (WHATWG URL §5.2).
    Form,
    /// Inside a JSON string: quotes, backslashes and control characters
    /// escaped (RFC 8259 §7); the template writes the quotes around it.
    Json,
}

/// RFC 3986 §2.3's unreserved characters pass; everything else is encoded.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Escape {
    fn write(self, value: &str, out: &mut String) {
        match self {
            Escape::Url => out.extend(utf8_percent_encode(value, NOT_UNRESERVED)),
            Escape::Form => {
                for (index, piece) in value.split(' ').enumerate() {
                    if index > 0 {
                        out.push('+');
                    }
                    out.extend(utf8_percent_encode(piece, NOT_UNRESERVED));
                }
            }
            Escape::Json => {
                // serde_json writes the string with its quotes: keep what
                // is between them.
                let quoted = serde_json::Value::from(value).to_string();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
        }
    }
}

/// Why a template does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` with no `}}` after it.
    #[error("a {{{{ at offset {0} is never closed with }}}}")]
    Unclosed(usize),
    /// A field no template knows.
    #[error("unknown field {{{{{name}}}}}; known: {known}", known = Field::names())]
    UnknownField {
        /// The name as written.
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Field),
}

/// A parsed template: literal text and fields (none by default).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template({:?})", self.source)
    }
}

/// The values of one message part, as [`Field`] names them.
pub trait Values {
    /// The value of `field`, unescaped.
    fn value(&self, field: Field) -> &str;
}

impl Template {
    /// Parses `source`: literal text with `{{name}}` fields (spaces
    /// around the name allowed).
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut rest = source;
        let mut offset = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or(TemplateError::Unclosed(offset + open))?;
            let name = after[..close].trim();
            let field = Field::named(name).ok_or_else(|| TemplateError::UnknownField {
                name: name.to_owned(),
            })?;
            pieces.push(Piece::Field(field));
            let consumed = open + 2 + close + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_owned()));
        }
        Ok(Template {
            source: source.to_owned(),
            pieces,
        })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether it asks for `field`.
    pub fn uses(&self, field: Field) -> bool {
        self.pieces.contains(&Piece::Field(field))
    }

    /// The template filled with `values`, each escaped with `escape`;
    /// literal text is written as it is.
    pub fn fill(&self, values: &impl Values, escape: Escape) -> String {
        let mut out = String::with_capacity(self.source.len() + 64);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field(field) => escape.write(values.value(*field), &mut out),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl Values for Fixed {
        fn value(&self, field: Field) -> &str {
            match field {
                Field::To => "34600100001",
                Field::From => "Shop & Co",
                Field::Text => "Hola \"señor\"\n50% off+tax",
                Field::Id => "m-1",
                _ => "",
            }
        }
    }

    #[test]
    fn url_values_are_percent_encoded_and_literals_kept() {
        let template =
            Template::parse("https://api.example/send?to={{to}}&from={{ from }}&msg={{text}}")
                .unwrap();
        assert_eq!(
            template.fill(&Fixed, Escape::Url),
            "https://api.example/send?to=34600100001&from=Shop%20%26%20Co\
             &msg=Hola%20%22se%C3%B1or%22%0A50%25%20off%2Btax"
        );
    }

    #[test]
    fn form_values_write_spaces_as_plus() {
        let template = Template::parse("from={{from}}&text={{text}}").unwrap();
        assert_eq!(
            template.fill(&Fixed, Escape::Form),
            "from=Shop+%26+Co&text=Hola+%22se%C3%B1or%22%0A50%25+off%2Btax"
        );
    }

    #[test]
    fn json_values_are_escaped_inside_the_templates_quotes() {
        let template =
            Template::parse(r#"{"to":"{{to}}","text":"{{text}}","ref":"{{id}}"}"#).unwrap();
        let filled = template.fill(&Fixed, Escape::Json);
        let parsed: serde_json::Value = serde_json::from_str(&filled).unwrap();
        assert_eq!(parsed["text"], "Hola \"señor\"\n50% off+tax");
        assert_eq!(parsed["to"], "34600100001");
        assert_eq!(parsed["ref"], "m-1");
    }

    #[test]
    fn unknown_and_unclosed_fields_are_refused_with_what_is_wrong() {
        assert_eq!(
            Template::parse("x={{msisdn}}"),
            Err(TemplateError::UnknownField {
                name: "msisdn".into()
            })
        );
        assert_eq!(Template::parse("a{{to"), Err(TemplateError::Unclosed(1)));
        let message = Template::parse("{{nope}}").unwrap_err().to_string();
        assert!(
            message.contains("{{nope}}") && message.contains("to, from, text"),
            "{message}"
        );
    }

    #[test]
    fn a_template_says_which_fields_it_uses() {
        let template = Template::parse("{{to}} {{ucs2}}").unwrap();
        assert!(template.uses(Field::Ucs2));
        assert!(!template.uses(Field::Text));
        assert_eq!(template.source(), "{{to}} {{ucs2}}");
    }
}
