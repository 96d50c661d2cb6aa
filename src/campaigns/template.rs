//! A campaign's text template: literal text with `{{name}}`, `{{field}}`
//! and `{{field|default}}` placeholders, filled per recipient from its
//! contact. Parsed once when the campaign is made, so a malformed
//! template is refused before anything is stored, and every field it
//! names is known up front.

use std::fmt;

/// The longest template accepted, in characters: ten GSM parts. A filled
/// text must also fit [`MAX_TEXT_BYTES`].
pub const MAX_TEMPLATE_CHARS: usize = 1_530;

/// The longest text one recipient may get, in UTF-8 bytes: its record
/// must fit one store value (4 KiB) with its number and outcome.
pub const MAX_TEXT_BYTES: usize = 3_600;

/// The longest field name a placeholder may name.
const MAX_FIELD_NAME: usize = 64;

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field {
        name: String,
        default: Option<String>,
    },
}

/// Why a template cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // Each variant's message says what it is; `at` counts characters from 0.
pub enum TemplateError {
    #[error("the template is empty")]
    Empty,
    #[error("the template is {chars} characters long; at most {MAX_TEMPLATE_CHARS}")]
    TooLong { chars: usize },
    #[error("`{{{{` at character {at} is not closed by `}}}}`")]
    Unclosed { at: usize },
    #[error("the placeholder at character {at} names no field")]
    NoField { at: usize },
    #[error(
        "the placeholder at character {at} names {name:?}: a field name is 1 to 64 letters, digits, `_` or `-`"
    )]
    BadField { at: usize, name: String },
}

/// A field a recipient needs and lacks, its placeholder having no default.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the template names {field:?}, which this recipient does not have, without a default")]
pub struct MissingField {
    /// The field, lower-cased as templates name them.
    pub field: String,
}

impl Template {
    /// Parses `text`; `{{` always opens a placeholder.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        if text.is_empty() {
            return Err(TemplateError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_TEMPLATE_CHARS {
            return Err(TemplateError::TooLong { chars });
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let at = text.len() - rest.len() + open;
            let at = text[..at].chars().count();
            let inner = &rest[open + 2..];
            let close = inner.find("}}").ok_or(TemplateError::Unclosed { at })?;
            pieces.push(placeholder(&inner[..close], at)?);
            rest = &inner[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Template { pieces })
    }

    /// The fields it names, each once, in order, with whether the
    /// placeholder has a default (a field named twice needs none if one
    /// of its placeholders has one and the other does not: the one without
    /// still needs the field, so it counts as without).
    pub fn fields(&self) -> Vec<(&str, bool)> {
        let mut fields: Vec<(&str, bool)> = Vec::new();
        for piece in &self.pieces {
            if let Piece::Field { name, default } = piece {
                match fields.iter_mut().find(|(seen, _)| seen == name) {
                    Some((_, has_default)) => *has_default &= default.is_some(),
                    None => fields.push((name, default.is_some())),
                }
            }
        }
        fields
    }

    /// Whether it has no placeholder: every recipient gets the same text.
    pub fn is_literal(&self) -> bool {
        self.pieces
            .iter()
            .all(|piece| matches!(piece, Piece::Text(_)))
    }

    /// The text for one recipient, `value` giving a field's value (`None`
    /// or empty: it lacks it).
    pub fn render<V: AsRef<str>>(
        &self,
        value: impl Fn(&str) -> Option<V>,
    ) -> Result<String, MissingField> {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(literal) => text.push_str(literal),
                Piece::Field { name, default } => {
                    match (
                        value(name).filter(|found| !found.as_ref().is_empty()),
                        default,
                    ) {
                        (Some(found), _) => text.push_str(found.as_ref()),
                        (None, Some(default)) => text.push_str(default),
                        (None, None) => {
                            return Err(MissingField {
                                field: name.clone(),
                            });
                        }
                    }
                }
            }
        }
        Ok(text)
    }
}

impl fmt::Display for Template {
    /// The template as it would be written again.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Text(literal) => f.write_str(literal)?,
                Piece::Field {
                    name,
                    default: None,
                } => write!(f, "{{{{{name}}}}}")?,
                Piece::Field {
                    name,
                    default: Some(default),
                } => write!(f, "{{{{{name}|{default}}}}}")?,
            }
        }
        Ok(())
    }
}

/// The inside of one `{{…}}`: a field name, and after `|` its default.
fn placeholder(inner: &str, at: usize) -> Result<Piece, TemplateError> {
    let (name, default) = match inner.split_once('|') {
        Some((name, default)) => (name.trim(), Some(default.trim().to_owned())),
        None => (inner.trim(), None),
    };
    if name.is_empty() {
        return Err(TemplateError::NoField { at });
    }
    let valid = name.len() <= MAX_FIELD_NAME
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if !valid {
        return Err(TemplateError::BadField {
            at,
            name: name.to_owned(),
        });
    }
    Ok(Piece::Field {
        name: name.to_ascii_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value)
        }
    }

    #[test]
    fn fields_defaults_and_literals_render() {
        let template =
            Template::parse("Hola {{name}}, tu cita en {{ City | Madrid }} es {{when}}.").unwrap();
        assert_eq!(
            template.fields(),
            vec![("name", false), ("city", true), ("when", false)]
        );
        assert_eq!(
            template.render(fill(&[("name", "Ana"), ("when", "hoy")])),
            Ok("Hola Ana, tu cita en Madrid es hoy.".to_owned())
        );
        assert_eq!(
            template.render(fill(&[("name", "Ana"), ("city", "Lugo"), ("when", "hoy")])),
            Ok("Hola Ana, tu cita en Lugo es hoy.".to_owned())
        );
        assert_eq!(
            template.render(fill(&[("name", ""), ("when", "hoy")])),
            Err(MissingField {
                field: "name".into()
            })
        );
        assert!(Template::parse("no placeholders").unwrap().is_literal());
        assert!(!template.is_literal());
    }

    #[test]
    fn a_field_named_with_and_without_a_default_needs_the_field() {
        let template = Template::parse("{{a|x}} {{a}}").unwrap();
        assert_eq!(template.fields(), vec![("a", false)]);
    }

    #[test]
    fn malformed_templates_are_refused_with_the_place() {
        for (text, error) in [
            ("", TemplateError::Empty),
            ("Hi {{name", TemplateError::Unclosed { at: 3 }),
            ("ñ{{ }}", TemplateError::NoField { at: 1 }),
            ("{{|x}}", TemplateError::NoField { at: 0 }),
            (
                "{{na me}}",
                TemplateError::BadField {
                    at: 0,
                    name: "na me".into(),
                },
            ),
        ] {
            assert_eq!(Template::parse(text), Err(error), "{text}");
        }
        let long = "a".repeat(MAX_TEMPLATE_CHARS + 1);
        assert!(matches!(
            Template::parse(&long),
            Err(TemplateError::TooLong { .. })
        ));
    }

    #[test]
    fn a_template_writes_back_as_parsed() {
        for text in ["Hi {{name}}!", "{{a|b c}} and {{d}}", "plain"] {
            assert_eq!(Template::parse(text).unwrap().to_string(), text);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in "\\PC{0,60}") {
            if let Ok(template) = Template::parse(&text) {
                let _ = template.render(|_| Some("v"));
            }
        }
    }
}
