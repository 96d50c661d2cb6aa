//! A sendsms request read the way smsbox reads it (gw/smsbox.c,
//! `smsbox_req_sendsms` and `smsbox_req_handle`): the same parameters,
//! checked in the same order, refused with the same answers, and turned
//! into the [`Submission`] an SMPP submit_sm becomes, so it takes the one
//! path through the switch. Authentication comes before this (the web
//! layer, with the account's argon2 hash). No I/O here.
//!
//! Parameters (Kannel user's guide, "Kannel HTTP sendsms interface"):
//!
//! | parameter | read as |
//! |---|---|
//! | `to` | numbers separated by spaces (a `+` in a query string is a space); only `0123456789 +-`, each an international number; repeats sent once |
//! | `from` | digits: an international number; else an alphanumeric sender id (≤ 11) |
//! | `text` | UTF-8, or in `charset`; octets for `coding=1`; UTF-16BE for `coding=2` without `charset` |
//! | `coding` | 0 GSM 7-bit (characters outside GSM 03.38 become `?`), 1 8-bit, 2 UCS-2; absent: 1 with `udh`, else 0 |
//! | `udh` | binary, first octet its length; the message must then fit one SMS |
//! | `mclass`, `mwi` | message class 0–3, message waiting 0–7, into data_coding as Kannel's `fields_to_dcs` |
//! | `validity`, `deferred` | minutes from now |
//! | `priority` | 0–3 |
//! | `dlr-mask`, `dlr-url` | kept on each message as [`Callback::Kannel`]; mask bits 1 or 2 also ask for an SMPP receipt |
//! | `account` | kept as the client reference (≤ 64) |
//! | `smsc` | returned for the caller to check against the routes |

use chrono::{DateTime, Duration, Utc};

use super::answer::Refusal;
use super::charset;
use super::params::Params;
use crate::api::{self, MAX_DESTINATIONS};
use crate::callbacks::target;
use crate::intake::{self, PartData, Submission};
use crate::model::{Address, Callback, Msisdn, Part};
use crate::sms::gsm7::{self, Gsm7Char};
use crate::sms::{self, Coding, ESM_CLASS_UDHI, Reference, Udh};

/// smsbox's `SENDSMS_DEFAULT_CHARS`: what a number in `to` may contain.
const NUMBER_CHARS: &[u8] = b"0123456789 +-";
/// Kannel's `ACCOUNT_MAX_LEN`.
const ACCOUNT_MAX_LEN: usize = 64;
/// The user data of one SMS, in octets and in septets.
const SMS_OCTETS: usize = 140;
const SMS_SEPTETS: usize = 160;

/// Where the parameters came from: the two differ only in the answer to a
/// missing `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// GET with a query string, or a POSTed form.
    Form,
    /// POST with `X-Kannel-*` headers and the text as the body.
    Headers,
}

/// A sendsms request that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The message as the core takes it from any interface: addresses, coding,
    /// parts, receipt request and `dlr-url` callback.
    pub submission: Submission,
    /// The gateway the client asked for (`smsc`), if any.
    pub smsc: Option<String>,
}

/// Kannel's `coding` values (`DC_7BIT`, `DC_8BIT`, `DC_UCS2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KannelCoding {
    SevenBit = 0,
    EightBit = 1,
    Ucs2 = 2,
}

/// Reads an authenticated request's parameters, refusing as smsbox does.
pub fn read(params: &Params, origin: Origin, now: DateTime<Utc>) -> Result<Request, Refusal> {
    let to = match params.get("to") {
        None if origin == Origin::Headers => return Err(Refusal::MissingReceivers),
        None => return Err(Refusal::MissingReceiver),
        Some([]) => return Err(Refusal::EmptyReceiver),
        Some(to) => to,
    };
    let udh = params.get("udh").filter(|udh| !udh.is_empty());
    if let Some(udh) = udh {
        if udh.len() != usize::from(udh[0]) + 1 {
            return Err(Refusal::Misformed("UDH"));
        }
        if udh.len() > SMS_OCTETS {
            return Err(Refusal::UdhTooLong);
        }
    }
    let destinations = destinations(to)?;
    let source = match params.get("from").filter(|from| !from.is_empty()) {
        None => return Err(Refusal::MissingSender),
        Some(from) => std::str::from_utf8(from)
            .ok()
            .and_then(|from| api::sender(from).ok())
            .ok_or(Refusal::Misformed("From"))?,
    };
    let client_reference = account(params)?;
    let dlr_url = dlr_url(params)?;
    // `dlrmask` is the older spelling, read only without `dlr-mask`.
    let mask_name = match params.get("dlr-mask") {
        Some(_) => "dlr-mask",
        None => "dlrmask",
    };
    let dlr_mask = ranged(params, mask_name, "DLR-Mask", 0..=63)?;
    let mclass = ranged(params, "mclass", "MClass", 0..=3)?;
    refuse_unless_default(ranged(params, "pid", "PID", 0..=255)?, 0, "PID")?;
    refuse_unless_default(ranged(params, "rpi", "RPI", 0..=2)?, 0, "RPI")?;
    refuse_unless_default(ranged(params, "alt-dcs", "Alt-DCS", 0..=1)?, 0, "Alt-DCS")?;
    let mwi = ranged(params, "mwi", "MWI", 0..=7)?;
    let coding = match ranged(params, "coding", "Coding", 0..=2)? {
        Some(0) => KannelCoding::SevenBit,
        Some(1) => KannelCoding::EightBit,
        Some(_) => KannelCoding::Ucs2,
        // smsbox_req_handle's "Compatibility Mode".
        None if udh.is_some() => KannelCoding::EightBit,
        None => KannelCoding::SevenBit,
    };
    refuse_unless_default(
        ranged(params, "compress", "Compress", 0..=1)?,
        0,
        "Compress",
    )?;
    let validity = minutes(params, "validity", "Validity", now)?;
    let scheduled = minutes(params, "deferred", "Deferred", now)?.filter(|at| *at > now);
    let priority = ranged(params, "priority", "Priority", 0..=3)?.unwrap_or(0);
    for (name, field) in [("binfo", "BInfo"), ("meta-data", "Meta-Data")] {
        if params.get(name).is_some_and(|value| !value.is_empty()) {
            return Err(Refusal::Unsupported(field));
        }
    }
    let data = content(params, coding)?;
    let parts = parts(coding, udh, &data)?;
    let callback = dlr_url
        .zip(dlr_mask.filter(|mask| *mask != 0))
        .map(|(url, mask)| Callback::Kannel { url, mask });
    let smsc = params
        .get("smsc")
        .filter(|smsc| !smsc.is_empty())
        .map(|smsc| String::from_utf8_lossy(smsc).into_owned());
    Ok(Request {
        submission: Submission {
            service_type: String::new(),
            source,
            destinations,
            data_coding: data_coding(coding, mclass, mwi),
            esm_class: 0,
            registered_delivery: registered_delivery(dlr_mask.unwrap_or(0)),
            priority,
            validity,
            scheduled,
            client_reference,
            parts,
            callback,
        },
        smsc,
    })
}

/// The numbers of `to`, split on blanks, each once. A number with a
/// character outside [`NUMBER_CHARS`], or that is not an international
/// number, is left out; none left is [`Refusal::Denied`].
fn destinations(to: &[u8]) -> Result<Vec<Address>, Refusal> {
    let mut numbers: Vec<&[u8]> = Vec::new();
    for word in to
        .split(u8::is_ascii_whitespace)
        .filter(|word| !word.is_empty())
    {
        if !numbers.contains(&word) {
            numbers.push(word);
        }
    }
    if numbers.len() > MAX_DESTINATIONS {
        return Err(Refusal::TooManyReceivers);
    }
    let allowed: Vec<Address> = numbers
        .into_iter()
        .filter(|number| number.iter().all(|octet| NUMBER_CHARS.contains(octet)))
        .filter_map(|number| {
            let number = std::str::from_utf8(number).ok()?;
            Msisdn::parse(number)
                .ok()
                .map(|msisdn| Address::international(&msisdn))
        })
        .collect();
    if allowed.is_empty() {
        return Err(Refusal::Denied);
    }
    Ok(allowed)
}

fn account(params: &Params) -> Result<Option<String>, Refusal> {
    match params.get("account").filter(|account| !account.is_empty()) {
        None => Ok(None),
        Some(account)
            if account.len() <= ACCOUNT_MAX_LEN
                && !account.iter().any(|octet| b"[]\n\r".contains(octet)) =>
        {
            String::from_utf8(account.to_vec())
                .map(Some)
                .map_err(|_| Refusal::AccountMisformed)
        }
        Some(_) => Err(Refusal::AccountMisformed),
    }
}

/// `dlr-url` (or the older `dlrurl`): an http:// or https:// URL of at
/// most `target::MAX_URL_LEN` octets, so that a message keeping it stays
/// far below the store's record limit.
fn dlr_url(params: &Params) -> Result<Option<String>, Refusal> {
    let Some(url) = params
        .get_either("dlr-url", "dlrurl")
        .filter(|url| !url.is_empty())
    else {
        return Ok(None);
    };
    if url.len() > target::MAX_URL_LEN {
        return Err(Refusal::DlrUrlTooLong);
    }
    let url = String::from_utf8(url.to_vec()).map_err(|_| Refusal::Misformed("DLR-URL"))?;
    let lower = url.to_ascii_lowercase();
    if url.len() < 8 || !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Refusal::Misformed("DLR-URL"));
    }
    Ok(Some(url))
}

/// An integer parameter within `range`; -1 and anything that is not a
/// number are "not given" (Kannel's `SMS_PARAM_UNDEFINED`); other values
/// outside the range are misformed.
fn ranged<T: TryFrom<i64>>(
    params: &Params,
    name: &str,
    field: &'static str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<T>, Refusal> {
    match params.integer(name) {
        None | Some(-1) => Ok(None),
        Some(value) if range.contains(&value) => T::try_from(value)
            .map(Some)
            .map_err(|_| Refusal::Misformed(field)),
        Some(_) => Err(Refusal::Misformed(field)),
    }
}

/// A parameter pasarela has nowhere to carry: only its default passes.
fn refuse_unless_default(
    value: Option<u8>,
    default: u8,
    field: &'static str,
) -> Result<(), Refusal> {
    match value {
        Some(value) if value != default => Err(Refusal::Unsupported(field)),
        _ => Ok(()),
    }
}

/// `validity` or `deferred`: minutes from `now`.
fn minutes(
    params: &Params,
    name: &str,
    field: &'static str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    match params.integer(name) {
        None | Some(-1) => Ok(None),
        Some(minutes) => {
            let minutes = i32::try_from(minutes)
                .ok()
                .filter(|minutes| *minutes >= 0)
                .ok_or(Refusal::Misformed(field))?;
            Ok(now.checked_add_signed(Duration::minutes(i64::from(minutes))))
        }
    }
}

/// The user data without any UDH: GSM septets, octets or UTF-16BE.
fn content(params: &Params, coding: KannelCoding) -> Result<Vec<u8>, Refusal> {
    let text = params.get("text").unwrap_or_default();
    let charset = params
        .get("charset")
        .filter(|charset| !charset.is_empty())
        .map(|charset| std::str::from_utf8(charset).map_err(|_| Refusal::Charset))
        .transpose()?;
    let decoded = |text: &[u8]| match charset {
        Some(charset) => charset::decode(charset, text).ok_or(Refusal::Charset),
        None => String::from_utf8(text.to_vec()).map_err(|_| Refusal::Charset),
    };
    match coding {
        KannelCoding::SevenBit => Ok(gsm_septets(&decoded(text)?)),
        KannelCoding::EightBit => Ok(text.to_vec()),
        KannelCoding::Ucs2 => match charset {
            Some(_) => Ok(sms::ucs2::encode(&decoded(text)?)),
            None => charset::utf16_be(text)
                .map(|_| text.to_vec())
                .ok_or(Refusal::Charset),
        },
    }
}

/// `text` in GSM 03.38, a character of neither table written `?` (as
/// Kannel's `charset_utf8_to_gsm` does).
fn gsm_septets(text: &str) -> Vec<u8> {
    let question = match gsm7::lookup('?') {
        Some(Gsm7Char::Base(septet)) => septet,
        _ => b'?',
    };
    let mut septets = Vec::with_capacity(text.len());
    for c in text.chars() {
        match gsm7::lookup(c) {
            Some(Gsm7Char::Base(septet)) => septets.push(septet),
            Some(Gsm7Char::Extension(septet)) => septets.extend([gsm7::ESCAPE, septet]),
            None => septets.push(question),
        }
    }
    septets
}

/// The parts: the client's UDH and the data as one SMS, or the data split
/// with a concatenation UDH when long.
fn parts(coding: KannelCoding, udh: Option<&[u8]>, data: &[u8]) -> Result<Vec<PartData>, Refusal> {
    let sms_coding = match coding {
        KannelCoding::SevenBit => Coding::Gsm7,
        KannelCoding::EightBit => Coding::Binary,
        KannelCoding::Ucs2 => Coding::Ucs2,
    };
    if let Some(udh) = udh {
        let fits = match sms_coding {
            Coding::Gsm7 => (udh.len() * 8).div_ceil(7) + data.len() <= SMS_SEPTETS,
            _ => udh.len() + data.len() <= SMS_OCTETS,
        };
        if !fits {
            return Err(Refusal::TooLong);
        }
        let payload = [udh, data].concat();
        let part = Udh::split(&payload)
            .map_err(|_| Refusal::Misformed("UDH"))?
            .0
            .concat()
            .and_then(|concat| {
                Part::new(concat.reference().value(), concat.total(), concat.seq()).ok()
            });
        return Ok(vec![PartData {
            payload,
            esm_class: ESM_CLASS_UDHI,
            part,
        }]);
    }
    let split = sms::split_payload(
        sms_coding,
        data,
        Reference::Bits8(intake::reference_for(data)),
    )
    .map_err(|_| Refusal::TooLong)?;
    Ok(intake::parts_of(&split, 0))
}

/// Kannel's `fields_to_dcs` (gw/sms.c) in its default mode, which is what
/// its SMPP driver puts in data_coding: the message waiting group when
/// `mwi` is given, else the coding bits and, with `mclass`, the class bits.
fn data_coding(coding: KannelCoding, mclass: Option<u8>, mwi: Option<u8>) -> u8 {
    if let Some(mwi) = mwi {
        return if mwi & 0x04 != 0 {
            // Indication inactive: "discard message" group.
            (mwi & 0x03) | 0xC0
        } else if coding == KannelCoding::Ucs2 {
            (mwi & 0x03) | 0x08 | 0xE0
        } else {
            (mwi & 0x03) | 0x08 | 0xD0
        };
    }
    let class = mclass.map_or(0, |class| 0x10 | class);
    class | ((coding as u8) << 2)
}

/// SMPP registered_delivery for `dlr-mask`: a receipt of any final state
/// when it asks for delivered (1), of failures only when it asks only for
/// failed (2).
fn registered_delivery(mask: u8) -> u8 {
    match mask & 0x03 {
        0 => 0,
        2 => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn read_form(query: &str) -> Result<Request, Refusal> {
        read(&Params::from_form(query.as_bytes()), Origin::Form, now())
    }

    #[test]
    fn the_user_guide_example_is_one_gsm_message() {
        // The guide's example: sendsms?username=tester&password=foobar&to=...&text=Hello+world
        let request =
            read_form("username=tester&password=foobar&from=Shop&to=34600111222&text=Hello+world")
                .unwrap();
        let submission = request.submission;
        assert_eq!(submission.destinations[0].text(), "34600111222");
        assert_eq!(submission.source.text(), "Shop");
        assert_eq!(submission.parts.len(), 1);
        assert_eq!(submission.parts[0].payload, b"Hello world");
        assert_eq!(submission.data_coding, 0);
        assert_eq!(submission.registered_delivery, 0);
        assert_eq!(submission.callback, None);
        assert_eq!(request.smsc, None);
    }

    #[test]
    fn several_numbers_are_separated_by_spaces_or_plus_and_sent_once() {
        let request = read_form(
            "from=Shop&text=x&to=34600111222+34600111333%2034600111222+%2B34600111444+abc+600",
        )
        .unwrap();
        let numbers: Vec<&str> = request
            .submission
            .destinations
            .iter()
            .map(Address::text)
            .collect();
        // "abc" has characters smsbox denies; "600" is no international number.
        assert_eq!(numbers, ["34600111222", "34600111333", "34600111444"]);
        assert_eq!(read_form("from=Shop&text=x&to=abc"), Err(Refusal::Denied));
        assert_eq!(read_form("from=Shop&text=x&to=+"), Err(Refusal::Denied));
    }

    #[test]
    fn missing_and_empty_arguments_get_smsboxs_answers() {
        assert_eq!(read_form("from=Shop&text=x"), Err(Refusal::MissingReceiver));
        assert_eq!(
            read(&Params::from_form(b"from=Shop"), Origin::Headers, now()),
            Err(Refusal::MissingReceivers)
        );
        assert_eq!(
            read_form("from=Shop&to=&text=x"),
            Err(Refusal::EmptyReceiver)
        );
        assert_eq!(
            read_form("to=34600111222&text=x"),
            Err(Refusal::MissingSender)
        );
        // No text is an empty message, as Kannel sends it.
        assert_eq!(
            read_form("from=Shop&to=34600111222")
                .unwrap()
                .submission
                .parts[0]
                .payload,
            b""
        );
    }

    #[test]
    fn out_of_range_fields_are_misformed_by_kannels_name() {
        let base = "from=Shop&to=34600111222&text=x&";
        for (query, field) in [
            ("dlr-mask=64", "DLR-Mask"),
            ("mclass=4", "MClass"),
            ("mwi=8", "MWI"),
            ("coding=3", "Coding"),
            ("validity=-2", "Validity"),
            ("deferred=-5", "Deferred"),
            ("priority=4", "Priority"),
            ("pid=256", "PID"),
            ("dlr-url=ftp://x/y", "DLR-URL"),
            ("dlr-url=http:/", "DLR-URL"),
            ("udh=%05%00", "UDH"),
        ] {
            assert_eq!(
                read_form(&format!("{base}{query}")),
                Err(Refusal::Misformed(field)),
                "{query}"
            );
        }
        assert_eq!(
            read_form(&format!("{base}account={}", "a".repeat(65))),
            Err(Refusal::AccountMisformed)
        );
        let long_dlr_url = format!("http://h/{}", "x".repeat(target::MAX_URL_LEN));
        assert_eq!(
            read_form(&format!("{base}dlr-mask=1&dlr-url={long_dlr_url}")),
            Err(Refusal::DlrUrlTooLong)
        );
        assert_eq!(
            read_form(&format!("{base}pid=64")),
            Err(Refusal::Unsupported("PID"))
        );
        assert_eq!(
            read_form(&format!("{base}coding=-1&mclass=x"))
                .unwrap()
                .submission
                .data_coding,
            0
        );
    }

    #[test]
    fn a_long_text_is_split_into_concatenated_gsm_parts() {
        let text = "a".repeat(200);
        let submission = read_form(&format!("from=Shop&to=34600111222&text={text}"))
            .unwrap()
            .submission;
        assert_eq!(submission.parts.len(), 2);
        for (index, part) in submission.parts.iter().enumerate() {
            assert_eq!(part.esm_class, ESM_CLASS_UDHI);
            assert_eq!(part.part.unwrap().seq() as usize, index + 1);
        }
    }

    #[test]
    fn gsm_text_writes_unknown_characters_as_question_marks() {
        let submission = read_form("from=Shop&to=34600111222&text=%E2%82%AC+%E2%9C%93+%C3%B1")
            .unwrap()
            .submission;
        // € is an extension character (escape, 0x65); ✓ is in no table; ñ is 0x7D.
        assert_eq!(
            submission.parts[0].payload,
            [0x1B, 0x65, b' ', b'?', b' ', 0x7D]
        );
    }

    #[test]
    fn ucs2_text_is_utf16be_as_given_or_recoded_from_its_charset() {
        let raw = read_form("from=Shop&to=34600111222&coding=2&text=%04%1F%04%40")
            .unwrap()
            .submission;
        assert_eq!(raw.data_coding, 0x08);
        assert_eq!(raw.parts[0].payload, [0x04, 0x1F, 0x04, 0x40]);
        let recoded =
            read_form("from=Shop&to=34600111222&coding=2&charset=UTF-8&text=%D0%9F%D1%80")
                .unwrap()
                .submission;
        assert_eq!(recoded.parts[0].payload, [0x04, 0x1F, 0x04, 0x40]);
        let latin = read_form("from=Shop&to=34600111222&charset=ISO-8859-1&text=caf%E9")
            .unwrap()
            .submission;
        assert_eq!(latin.parts[0].payload, [b'c', b'a', b'f', 0x05]);
        assert_eq!(
            read_form("from=Shop&to=34600111222&coding=2&text=%04"),
            Err(Refusal::Charset)
        );
        assert_eq!(
            read_form("from=Shop&to=34600111222&charset=klingon&text=x"),
            Err(Refusal::Charset)
        );
    }

    #[test]
    fn binary_with_udh_is_one_eight_bit_part_with_the_udh_in_front() {
        // A WAP push port UDH (the guide's ringtone/logo examples use these).
        let request =
            read_form("from=Shop&to=34600111222&udh=%06%05%04%0B%84%23%F0&text=%01%02%FF").unwrap();
        let part = &request.submission.parts[0];
        assert_eq!(
            request.submission.data_coding, 0x04,
            "8-bit when udh is given"
        );
        assert_eq!(part.esm_class, ESM_CLASS_UDHI);
        assert_eq!(
            part.payload,
            [0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x01, 0x02, 0xFF]
        );
        let too_long = format!(
            "from=Shop&to=34600111222&udh=%06%05%04%0B%84%23%F0&text={}",
            "x".repeat(140)
        );
        assert_eq!(read_form(&too_long), Err(Refusal::TooLong));
    }

    #[test]
    fn class_and_message_waiting_go_into_data_coding_as_kannel_does() {
        let dcs = |query: &str| {
            read_form(&format!("from=Shop&to=34600111222&{query}"))
                .unwrap()
                .submission
                .data_coding
        };
        assert_eq!(dcs("text=x&mclass=0"), 0x10, "flash");
        assert_eq!(dcs("text=%00x&mclass=1&coding=2"), 0x19);
        assert_eq!(dcs("text=x&mwi=0"), 0xD8, "voicemail waiting, store");
        assert_eq!(dcs("text=x&mwi=4"), 0xC0, "voicemail cleared, discard");
        assert_eq!(dcs("text=%00x&mwi=1&coding=2"), 0xE9);
    }

    #[test]
    fn dlr_and_the_other_fields_are_kept() {
        let request = read_form(
            "from=%2B34911234567&to=34600111222&text=x&dlr-mask=3&dlr-url=http%3A%2F%2Fhost%2Fdlr%3Ftype%3D%25d\
             &validity=30&deferred=10&priority=2&account=order-17&smsc=sim",
        )
        .unwrap();
        let submission = request.submission;
        assert_eq!(
            submission.callback,
            Some(Callback::Kannel {
                url: "http://host/dlr?type=%d".into(),
                mask: 3
            })
        );
        assert_eq!(submission.registered_delivery, 1);
        assert_eq!(submission.source.text(), "34911234567");
        assert_eq!(submission.validity, Some(now() + Duration::minutes(30)));
        assert_eq!(submission.scheduled, Some(now() + Duration::minutes(10)));
        assert_eq!(submission.priority, 2);
        assert_eq!(submission.client_reference.as_deref(), Some("order-17"));
        assert_eq!(request.smsc.as_deref(), Some("sim"));
        let failures_only =
            read_form("from=Shop&to=34600111222&text=x&dlrmask=2&dlrurl=https://h/x").unwrap();
        assert_eq!(failures_only.submission.registered_delivery, 2);
        let mask_without_url = read_form("from=Shop&to=34600111222&text=x&dlr-mask=1").unwrap();
        assert_eq!(mask_without_url.submission.callback, None);
    }
}
