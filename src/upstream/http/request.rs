//! The request an `http` gateway makes for one message part: the method,
//! the URL and body templates filled with the part's values
//! ([`PartValues`]), and the literal headers the operator configured. No
//! I/O: the gateway's link sends what this builds.

use super::template::{Escape, Field, Template, Values};
use crate::model::Message;
use crate::sms::udh::UdhError;
use crate::sms::{Alphabet, gsm7, incoming, ucs2};
use crate::upstream::user_data::udh_and_body;

/// `method` of an http gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: the URL carries everything.
    Get,
    /// `POST`: with the body template, if any.
    Post,
}

impl Method {
    /// The method as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// `body_format`: how the body's values are escaped and what
/// `Content-Type` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json`.
    Json,
}

impl BodyFormat {
    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Form => "application/x-www-form-urlencoded",
            BodyFormat::Json => "application/json",
        }
    }

    fn escape(self) -> Escape {
        match self {
            BodyFormat::Form => Escape::Form,
            BodyFormat::Json => Escape::Json,
        }
    }
}

/// What every request of a gateway is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRules {
    /// `method`.
    pub method: Method,
    /// Values in it are percent-encoded.
    pub url: Template,
    /// A POST's body and its format; `None`: no body.
    pub body: Option<(Template, BodyFormat)>,
    /// `Name: value` pairs sent as they are (no fields: a message's text
    /// never reaches a header).
    pub headers: Vec<(String, String)>,
}

/// One request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The gateway's method.
    pub method: Method,
    /// The URL template filled.
    pub url: String,
    /// The body and its `Content-Type`.
    pub body: Option<(String, &'static str)>,
}

/// Why a part cannot go over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    /// esm_class says the payload starts with a UDH, and it does not read.
    #[error("the payload's User Data Header: {0}")]
    Udh(#[from] UdhError),
    /// The templates ask for text and the part is binary data or in an
    /// alphabet read as no text.
    #[error("data_coding {0:#04x} is not text, and the gateway's templates send text")]
    NotText(u8),
}

impl RequestRules {
    /// The request that submits `message`'s part.
    pub fn request(&self, message: &Message) -> Result<Request, PartError> {
        let wants_text = [Field::Text, Field::Ucs2, Field::Coding]
            .into_iter()
            .any(|field| self.uses(field));
        let values = PartValues::of(message, wants_text)?;
        Ok(Request {
            method: self.method,
            url: self.url.fill(&values, Escape::Url),
            body: self.body.as_ref().map(|(template, format)| {
                (
                    template.fill(&values, format.escape()),
                    format.content_type(),
                )
            }),
        })
    }

    fn uses(&self, field: Field) -> bool {
        self.url.uses(field)
            || self
                .body
                .as_ref()
                .is_some_and(|(template, _)| template.uses(field))
    }
}

/// The values of one part, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartValues {
    to: String,
    from: String,
    text: String,
    ucs2: String,
    udh: String,
    coding: &'static str,
    id: String,
    part: String,
    parts: String,
}

impl PartValues {
    /// The values of `message`'s part; its text read only when
    /// `wants_text` (binary parts can still go by their UDH and id).
    pub fn of(message: &Message, wants_text: bool) -> Result<PartValues, PartError> {
        let (udh, body) = udh_and_body(message)?;
        let text = if wants_text {
            incoming::decode_text(Alphabet::from_data_coding(message.data_coding), body)
                .ok_or(PartError::NotText(message.data_coding))?
        } else {
            String::new()
        };
        let (part, parts) = message
            .part
            .map_or((1, 1), |part| (part.seq(), part.total()));
        Ok(PartValues {
            to: message.destination.text().to_owned(),
            from: message.source.text().to_owned(),
            ucs2: hex(&ucs2::encode(&text)),
            coding: if gsm7::can_encode(&text) {
                "gsm"
            } else {
                "ucs2"
            },
            text,
            udh: udh.as_deref().map(hex).unwrap_or_default(),
            id: message.id.to_string(),
            part: part.to_string(),
            parts: parts.to_string(),
        })
    }
}

impl Values for PartValues {
    fn value(&self, field: Field) -> &str {
        match field {
            Field::To => &self.to,
            Field::From => &self.from,
            Field::Text => &self.text,
            Field::Ucs2 => &self.ucs2,
            Field::Udh => &self.udh,
            Field::Coding => self.coding,
            Field::Id => &self.id,
            Field::Part => &self.part,
            Field::Parts => &self.parts,
        }
    }
}

/// Upper-case hex, two digits an octet.
fn hex(octets: &[u8]) -> String {
    octets.iter().map(|octet| format!("{octet:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{AccountId, Address, MessageId, Npi, Part, Ton};
    use crate::sms::coding::{Coding, encode};

    fn message(text: &str, coding: Coding, part: Option<Part>) -> Message {
        let mut message = Message::new(
            MessageId::new(7),
            AccountId::new("demo").unwrap(),
            Address::new(Ton::Alphanumeric, Npi::Unknown, "Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "34600100001").unwrap(),
            encode(text, coding).unwrap(),
            Utc::now(),
        );
        message.data_coding = match coding {
            Coding::Gsm7 => 0,
            Coding::Ucs2 => 8,
            Coding::Binary => 4,
        };
        message.part = part;
        message
    }

    fn rules(url: &str, body: Option<(&str, BodyFormat)>) -> RequestRules {
        RequestRules {
            method: if body.is_some() {
                Method::Post
            } else {
                Method::Get
            },
            url: Template::parse(url).unwrap(),
            body: body.map(|(source, format)| (Template::parse(source).unwrap(), format)),
            headers: Vec::new(),
        }
    }

    #[test]
    fn a_gsm_part_fills_a_get_url() {
        let request = rules(
            "http://p/send?to={{to}}&from={{from}}&text={{text}}&c={{coding}}",
            None,
        )
        .request(&message("Hola amigo", Coding::Gsm7, None))
        .unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url,
            "http://p/send?to=34600100001&from=Shop&text=Hola%20amigo&c=gsm"
        );
        assert_eq!(request.body, None);
    }

    #[test]
    fn a_ucs2_part_of_three_fills_a_json_body_with_its_udh() {
        let part = Part::new(0x2A, 3, 2).unwrap();
        let request = rules(
            "http://p/send",
            Some((
                r#"{"to":"{{to}}","text":"{{text}}","hex":"{{ucs2}}","udh":"{{udh}}","n":"{{part}}/{{parts}}","c":"{{coding}}"}"#,
                BodyFormat::Json,
            )),
        )
        .request(&message("Привет", Coding::Ucs2, Some(part)))
        .unwrap();
        let (body, content_type) = request.body.unwrap();
        assert_eq!(content_type, "application/json");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["text"], "Привет");
        assert_eq!(body["hex"], "041F04400438043204350442");
        assert_eq!(body["udh"], "0500032A0302");
        assert_eq!(body["n"], "2/3");
        assert_eq!(body["c"], "ucs2");
    }

    #[test]
    fn binary_data_is_refused_only_when_text_is_asked_for() {
        let mut binary = message("x", Coding::Gsm7, None);
        binary.data_coding = 0x04;
        assert_eq!(
            rules("http://p/?t={{text}}", None).request(&binary),
            Err(PartError::NotText(0x04))
        );
        let by_id = rules("http://p/?id={{id}}&udh={{udh}}", None)
            .request(&binary)
            .unwrap();
        assert_eq!(
            by_id.url,
            format!("http://p/?id={}&udh=", MessageId::new(7))
        );
    }
}
