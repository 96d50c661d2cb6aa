//! Which country a number is in, from its E.164 country calling code (ITU-T
//! E.164 and its list of assigned codes), as an ISO 3166-1 alpha-2 code;
//! and which operator, from the `[[numbering]]` ranges of the
//! configuration ([`Operators`]). Pure data and lookups; no I/O here.
//!
//! Calling codes are prefix-free, so the longest code a number starts with
//! is its code. Zone 1 (the North American Numbering Plan) is shared: its
//! Caribbean members and Canada are told apart by area code, anything else
//! under 1 is the United States; zone 7 is Kazakhstan under 76 and 77,
//! Russia otherwise.

use std::collections::HashMap;

use crate::config::NumberingConfig;

/// `(calling code or NANP area, country)`, sorted by prefix for binary search.
const CALLING_CODES: &[(&str, &str)] = &[
    ("1", "US"),
    ("1204", "CA"),
    ("1226", "CA"),
    ("1236", "CA"),
    ("1242", "BS"),
    ("1246", "BB"),
    ("1249", "CA"),
    ("1250", "CA"),
    ("1263", "CA"),
    ("1264", "AI"),
    ("1268", "AG"),
    ("1284", "VG"),
    ("1289", "CA"),
    ("1306", "CA"),
    ("1340", "VI"),
    ("1343", "CA"),
    ("1345", "KY"),
    ("1354", "CA"),
    ("1365", "CA"),
    ("1367", "CA"),
    ("1368", "CA"),
    ("1382", "CA"),
    ("1403", "CA"),
    ("1416", "CA"),
    ("1418", "CA"),
    ("1428", "CA"),
    ("1431", "CA"),
    ("1437", "CA"),
    ("1438", "CA"),
    ("1441", "BM"),
    ("1450", "CA"),
    ("1468", "CA"),
    ("1473", "GD"),
    ("1474", "CA"),
    ("1506", "CA"),
    ("1514", "CA"),
    ("1519", "CA"),
    ("1548", "CA"),
    ("1579", "CA"),
    ("1581", "CA"),
    ("1584", "CA"),
    ("1587", "CA"),
    ("1604", "CA"),
    ("1613", "CA"),
    ("1639", "CA"),
    ("1647", "CA"),
    ("1649", "TC"),
    ("1658", "JM"),
    ("1664", "MS"),
    ("1670", "MP"),
    ("1671", "GU"),
    ("1672", "CA"),
    ("1683", "CA"),
    ("1684", "AS"),
    ("1705", "CA"),
    ("1709", "CA"),
    ("1721", "SX"),
    ("1742", "CA"),
    ("1753", "CA"),
    ("1758", "LC"),
    ("1767", "DM"),
    ("1778", "CA"),
    ("1780", "CA"),
    ("1782", "CA"),
    ("1784", "VC"),
    ("1787", "PR"),
    ("1807", "CA"),
    ("1809", "DO"),
    ("1819", "CA"),
    ("1825", "CA"),
    ("1829", "DO"),
    ("1849", "DO"),
    ("1867", "CA"),
    ("1868", "TT"),
    ("1869", "KN"),
    ("1873", "CA"),
    ("1876", "JM"),
    ("1879", "CA"),
    ("1902", "CA"),
    ("1905", "CA"),
    ("1939", "PR"),
    ("20", "EG"),
    ("211", "SS"),
    ("212", "MA"),
    ("213", "DZ"),
    ("216", "TN"),
    ("218", "LY"),
    ("220", "GM"),
    ("221", "SN"),
    ("222", "MR"),
    ("223", "ML"),
    ("224", "GN"),
    ("225", "CI"),
    ("226", "BF"),
    ("227", "NE"),
    ("228", "TG"),
    ("229", "BJ"),
    ("230", "MU"),
    ("231", "LR"),
    ("232", "SL"),
    ("233", "GH"),
    ("234", "NG"),
    ("235", "TD"),
    ("236", "CF"),
    ("237", "CM"),
    ("238", "CV"),
    ("239", "ST"),
    ("240", "GQ"),
    ("241", "GA"),
    ("242", "CG"),
    ("243", "CD"),
    ("244", "AO"),
    ("245", "GW"),
    ("246", "IO"),
    ("248", "SC"),
    ("249", "SD"),
    ("250", "RW"),
    ("251", "ET"),
    ("252", "SO"),
    ("253", "DJ"),
    ("254", "KE"),
    ("255", "TZ"),
    ("256", "UG"),
    ("257", "BI"),
    ("258", "MZ"),
    ("260", "ZM"),
    ("261", "MG"),
    ("262", "RE"),
    ("263", "ZW"),
    ("264", "NA"),
    ("265", "MW"),
    ("266", "LS"),
    ("267", "BW"),
    ("268", "SZ"),
    ("269", "KM"),
    ("27", "ZA"),
    ("290", "SH"),
    ("291", "ER"),
    ("297", "AW"),
    ("298", "FO"),
    ("299", "GL"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("350", "GI"),
    ("351", "PT"),
    ("352", "LU"),
    ("353", "IE"),
    ("354", "IS"),
    ("355", "AL"),
    ("356", "MT"),
    ("357", "CY"),
    ("358", "FI"),
    ("359", "BG"),
    ("36", "HU"),
    ("370", "LT"),
    ("371", "LV"),
    ("372", "EE"),
    ("373", "MD"),
    ("374", "AM"),
    ("375", "BY"),
    ("376", "AD"),
    ("377", "MC"),
    ("378", "SM"),
    ("379", "VA"),
    ("380", "UA"),
    ("381", "RS"),
    ("382", "ME"),
    ("383", "XK"),
    ("385", "HR"),
    ("386", "SI"),
    ("387", "BA"),
    ("389", "MK"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("420", "CZ"),
    ("421", "SK"),
    ("423", "LI"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("500", "FK"),
    ("501", "BZ"),
    ("502", "GT"),
    ("503", "SV"),
    ("504", "HN"),
    ("505", "NI"),
    ("506", "CR"),
    ("507", "PA"),
    ("508", "PM"),
    ("509", "HT"),
    ("51", "PE"),
    ("52", "MX"),
    ("53", "CU"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("58", "VE"),
    ("590", "GP"),
    ("591", "BO"),
    ("592", "GY"),
    ("593", "EC"),
    ("594", "GF"),
    ("595", "PY"),
    ("596", "MQ"),
    ("597", "SR"),
    ("598", "UY"),
    ("599", "CW"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("670", "TL"),
    ("672", "NF"),
    ("673", "BN"),
    ("674", "NR"),
    ("675", "PG"),
    ("676", "TO"),
    ("677", "SB"),
    ("678", "VU"),
    ("679", "FJ"),
    ("680", "PW"),
    ("681", "WF"),
    ("682", "CK"),
    ("683", "NU"),
    ("685", "WS"),
    ("686", "KI"),
    ("687", "NC"),
    ("688", "TV"),
    ("689", "PF"),
    ("690", "TK"),
    ("691", "FM"),
    ("692", "MH"),
    ("7", "RU"),
    ("76", "KZ"),
    ("77", "KZ"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("850", "KP"),
    ("852", "HK"),
    ("853", "MO"),
    ("855", "KH"),
    ("856", "LA"),
    ("86", "CN"),
    ("880", "BD"),
    ("886", "TW"),
    ("90", "TR"),
    ("91", "IN"),
    ("92", "PK"),
    ("93", "AF"),
    ("94", "LK"),
    ("95", "MM"),
    ("960", "MV"),
    ("961", "LB"),
    ("962", "JO"),
    ("963", "SY"),
    ("964", "IQ"),
    ("965", "KW"),
    ("966", "SA"),
    ("967", "YE"),
    ("968", "OM"),
    ("970", "PS"),
    ("971", "AE"),
    ("972", "IL"),
    ("973", "BH"),
    ("974", "QA"),
    ("975", "BT"),
    ("976", "MN"),
    ("977", "NP"),
    ("98", "IR"),
    ("992", "TJ"),
    ("993", "TM"),
    ("994", "AZ"),
    ("995", "GE"),
    ("996", "KG"),
    ("998", "UZ"),
];

/// The longest entry of [`CALLING_CODES`].
const LONGEST: usize = 4;

/// The ISO 3166-1 alpha-2 code of the country of `number` (international
/// digits, a leading `+` allowed), if its calling code is known.
pub fn country(number: &str) -> Option<&'static str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    (1..=LONGEST.min(digits.len())).rev().find_map(|len| {
        let prefix = &digits[..len];
        CALLING_CODES
            .binary_search_by(|(code, _)| code.cmp(&prefix))
            .ok()
            .map(|index| CALLING_CODES[index].1)
    })
}

/// Number ranges and their operators; the longest prefix a number starts
/// with names its operator. Ranges are found by prefix length, so a
/// lookup costs one hash probe per digit at most, whatever the table size.
#[derive(Debug, Clone, Default)]
pub struct Operators {
    by_prefix: HashMap<String, String>,
    longest: usize,
}

impl Operators {
    /// The table of `[[numbering]]` ranges; a prefix given twice keeps the
    /// last operator.
    pub fn new(ranges: &[NumberingConfig]) -> Operators {
        Operators {
            by_prefix: ranges
                .iter()
                .map(|range| (range.prefix.clone(), range.operator.clone()))
                .collect(),
            longest: ranges
                .iter()
                .map(|range| range.prefix.len())
                .max()
                .unwrap_or(0),
        }
    }

    /// The operator of `number` (international digits, a leading `+`
    /// allowed), if a range covers it.
    pub fn operator(&self, number: &str) -> Option<&str> {
        let digits = number.strip_prefix('+').unwrap_or(number);
        (1..=self.longest.min(digits.len()))
            .rev()
            .filter_map(|len| digits.get(..len))
            .find_map(|prefix| self.by_prefix.get(prefix))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_range_names_the_operator() {
        let range = |prefix: &str, operator: &str| NumberingConfig {
            prefix: prefix.into(),
            operator: operator.into(),
        };
        let operators = Operators::new(&[
            range("346", "Movil A"),
            range("34600", "Movil B"),
            range("447", "UK Mobile"),
        ]);
        assert_eq!(operators.operator("34600123456"), Some("Movil B"));
        assert_eq!(operators.operator("+34612345678"), Some("Movil A"));
        assert_eq!(operators.operator("447700900123"), Some("UK Mobile"));
        assert_eq!(operators.operator("34911234567"), None);
        assert_eq!(operators.operator("34"), None);
        assert_eq!(Operators::default().operator("34600123456"), None);
    }

    #[test]
    fn the_table_is_sorted_and_has_each_prefix_once() {
        assert!(
            CALLING_CODES.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "binary search needs strictly increasing prefixes"
        );
        assert!(
            CALLING_CODES
                .iter()
                .all(|(code, country)| { code.len() <= LONGEST && country.len() == 2 })
        );
    }

    #[test]
    fn countries_by_calling_code() {
        for (number, expected) in [
            ("34600123456", Some("ES")),
            ("+34600123456", Some("ES")),
            ("447700900123", Some("GB")),
            ("353861234567", Some("IE")),
            ("12125550123", Some("US")),
            ("14165550123", Some("CA")),
            ("18765550123", Some("JM")),
            ("17875550123", Some("PR")),
            ("79161234567", Some("RU")),
            ("77011234567", Some("KZ")),
            ("5511987654321", Some("BR")),
            ("2348031234567", Some("NG")),
            ("8613812345678", Some("CN")),
            ("9999999", None),
            ("", None),
            ("Shop", None),
        ] {
            assert_eq!(country(number), expected, "{number}");
        }
    }
}
