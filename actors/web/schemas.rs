//! The OpenAPI schemas of what the HTTP API reads or answers with but
//! does not own, where a derive cannot say it: the recipients of a send
//! (one number or a bounded list), the message and ledger states, a report
//! row, an ESME session's counters and bind kind, a gateway's live view. Their types live in the
//! core and the actors, which know nothing of OpenAPI, so their schemas
//! are written here with utoipa's builders from the serde shape of each;
//! the tests below serialize real values and hold the two together.

use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::actors::protocol::gateway::GatewayView;
use crate::actors::protocol::session::{BindKind, CountersSnapshot};
use crate::api::{MAX_DESTINATIONS, Recipients};
use crate::model::MessageState;
use crate::report::ReportRow;
use crate::store::LedgerKind;
use crate::upstream::status::BindState;

/// Every message state, in the order of their life.
const MESSAGE_STATES: [MessageState; 10] = [
    MessageState::Accepted,
    MessageState::Routed,
    MessageState::Submitted,
    MessageState::Delivered,
    MessageState::Undeliverable,
    MessageState::Expired,
    MessageState::Rejected,
    MessageState::Unknown,
    MessageState::Failed,
    MessageState::Deleted,
];

const LEDGER_KINDS: [LedgerKind; 4] = [
    LedgerKind::Reserve,
    LedgerKind::Refund,
    LedgerKind::TopUp,
    LedgerKind::Deduct,
];

const BIND_KINDS: [BindKind; 5] = [
    BindKind::Transmitter,
    BindKind::Receiver,
    BindKind::Transceiver,
    BindKind::Ucp,
    BindKind::Cimd2,
];

const BIND_STATES: [BindState; 5] = [
    BindState::Connecting,
    BindState::Bound,
    BindState::BackingOff,
    BindState::BadCredentials,
    BindState::Stopped,
];

/// A string schema whose values are `values` as serde writes them.
fn serialized<T: serde::Serialize>(values: &[T]) -> ObjectBuilder {
    let names = values
        .iter()
        .map(|value| serde_json::to_value(value).unwrap_or_default());
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
}

fn of_type(kind: Type, description: Option<&str>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(kind)
        .description(description)
}

fn string(description: Option<&str>) -> ObjectBuilder {
    of_type(Type::String, description)
}

fn integer(description: Option<&str>) -> ObjectBuilder {
    of_type(Type::Integer, description)
}

/// A count: an integer, never negative.
fn count(description: &str) -> ObjectBuilder {
    integer(Some(description)).minimum(Some(0))
}

/// A value that may also be `null`.
fn nullable(kind: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([kind, Type::Null]))
}

fn date_time() -> ObjectBuilder {
    string(None).format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

impl PartialSchema for Recipients {
    fn schema() -> RefOr<Schema> {
        let many = ArrayBuilder::new()
            .items(string(None))
            .min_items(Some(1))
            .max_items(Some(MAX_DESTINATIONS));
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(string(None))
            .item(many)
            .into()
    }
}

impl ToSchema for Recipients {}

impl PartialSchema for MessageState {
    fn schema() -> RefOr<Schema> {
        serialized(&MESSAGE_STATES).into()
    }
}

impl ToSchema for MessageState {}

impl PartialSchema for LedgerKind {
    fn schema() -> RefOr<Schema> {
        serialized(&LEDGER_KINDS).into()
    }
}

impl ToSchema for LedgerKind {}

impl PartialSchema for BindKind {
    fn schema() -> RefOr<Schema> {
        serialized(&BIND_KINDS).into()
    }
}

impl ToSchema for BindKind {}

impl PartialSchema for CountersSnapshot {
    fn schema() -> RefOr<Schema> {
        let counters = [
            (
                "submits_accepted",
                "submit_sm, data_sm and submit_multi answered ESME_ROK.",
            ),
            (
                "submits_refused",
                "Submits answered with an error status, whatever refused them: validation, bind state, window, credit, throughput, store.",
            ),
            ("deliver_sm_sent", "Receipts sent to the ESME."),
            (
                "deliver_sm_acknowledged",
                "Receipts the ESME answered with ESME_ROK.",
            ),
            (
                "inbound_outstanding",
                "Requests of the ESME not yet answered.",
            ),
            (
                "outbound_outstanding",
                "Requests to the ESME (deliver_sm, enquire_link, unbind) not yet answered.",
            ),
        ];
        counters
            .into_iter()
            .fold(ObjectBuilder::new(), |object, (name, description)| {
                object.property(name, count(description)).required(name)
            })
            .into()
    }
}

impl ToSchema for CountersSnapshot {}

impl PartialSchema for ReportRow {
    fn schema() -> RefOr<Schema> {
        ReportRow::COLUMNS
            .into_iter()
            .fold(ObjectBuilder::new(), |object, column| {
                let (schema, required): (RefOr<Schema>, bool) = match column {
                    "number" => (string(Some("The destination.")).into(), true),
                    "type" => (
                        string(None)
                            .enum_values(Some(["text", "unicode", "binary"]))
                            .into(),
                        true,
                    ),
                    "length" => (
                        integer(Some(
                            "Characters of text, or octets of binary data, in this part.",
                        ))
                        .into(),
                        true,
                    ),
                    "country" => (
                        string(Some(
                            "ISO 3166-1 alpha-2 from the calling code; empty when unknown.",
                        ))
                        .into(),
                        true,
                    ),
                    "operator" => (
                        string(Some(
                            "From the [[numbering]] ranges; empty when none covers the number.",
                        ))
                        .into(),
                        true,
                    ),
                    "state" => (reference::<MessageState>(), true),
                    "error_code" => (nullable(Type::Integer).into(), false),
                    "date" => (date_time().into(), true),
                    _ => (string(None).into(), true),
                };
                let object = object.property(column, schema);
                if required {
                    object.required(column)
                } else {
                    object
                }
            })
            .into()
    }
}

impl ToSchema for ReportRow {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((MessageState::name().into(), MessageState::schema()));
    }
}

/// What an upstream gateway's connection is: an smpp gateway's binds, or
/// a ucp gateway's one link.
const CONNECTION_KINDS: [&str; 4] = ["transmitter", "receiver", "transceiver", "link"];

/// One upstream bind of an smpp gateway, or a ucp gateway's link.
struct Bind;

impl PartialSchema for Bind {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property("kind", serialized(&CONNECTION_KINDS))
            .required("kind")
            .property("state", serialized(&BIND_STATES))
            .required("state")
            .property(
                "window_in_use",
                integer(Some("Submits sent and not yet answered.")),
            )
            .required("window_in_use")
            .property("last_error", nullable(Type::String))
            .property("reconnects", integer(None))
            .required("reconnects")
            .into()
    }
}

impl ToSchema for Bind {}

impl PartialSchema for GatewayView {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "One gateway in the live view. Every kind has name, kind, up and stopped; the other fields are those of its kind (smpp and ucp: binds (one, kind link, for ucp), window_in_use, queue_depth, tps_configured, tps_measured, last_error, reconnects; modem: connected, device, last_error, radio; simulator: dlr_delay_ms, receipts_due).",
            ))
            .property("name", string(None))
            .required("name")
            .property(
                "kind",
                string(Some("The config kind.")).enum_values(Some(["smpp", "ucp", "cimd2", "modem", "simulator"])),
            )
            .required("kind")
            .property(
                "up",
                of_type(Type::Boolean, Some("Whether routes may give it messages now (smpp: a bind may submit; ucp: the link is logged in; modem: connected; simulator: not stopped).")),
            )
            .required("up")
            .property(
                "stopped",
                of_type(Type::Boolean, Some("Stopped through the admin API: no connections, reported down to its routes, until started.")),
            )
            .required("stopped")
            .property("binds", ArrayBuilder::new().items(reference::<Bind>()))
            .property("window_in_use", integer(None))
            .property("queue_depth", integer(Some("Messages waiting for a bind.")))
            .property("tps_configured", integer(Some("0 is unlimited.")))
            .property(
                "tps_measured",
                of_type(Type::Number, Some("Submits per second over the last 10 seconds.")),
            )
            .property("last_error", nullable(Type::String))
            .property("reconnects", integer(None))
            .property(
                "connected",
                of_type(Type::Boolean, Some("modem: the port is open and the modem answered its init.")),
            )
            .property("device", string(Some("modem: its serial device.")))
            .property(
                "radio",
                nullable(Type::Object)
                    .description(Some("modem: signal and registration at the last poll."))
                    .property("dbm", nullable(Type::Integer))
                    .property("registration", string(None)),
            )
            .property(
                "dlr_delay_ms",
                integer(Some("simulator: how long after the submit its receipt comes.")),
            )
            .property("receipts_due", integer(Some("simulator: receipts still to come.")))
            .into()
    }
}

impl ToSchema for GatewayView {
    fn name() -> std::borrow::Cow<'static, str> {
        "Gateway".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Bind::name().into(), Bind::schema()));
    }
}

#[cfg(test)]
mod tests {
    //! Each schema against what serde writes for a real value.

    use serde_json::Value;

    use super::*;
    use crate::upstream::status::BindStatus;

    /// The property names of `T`'s schema.
    fn properties<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    /// Every field `value` serializes to is a property of `T`'s schema.
    fn described<T: PartialSchema>(value: &impl serde::Serialize) {
        let properties = properties::<T>();
        let Value::Object(fields) = serde_json::to_value(value).unwrap() else {
            panic!("not an object");
        };
        for field in fields.keys() {
            assert!(properties.contains(field), "{field} is not in the schema");
        }
    }

    #[test]
    fn a_report_row_has_the_columns_of_the_csv() {
        let mut properties = properties::<ReportRow>();
        let mut columns: Vec<String> = ReportRow::COLUMNS.map(String::from).to_vec();
        properties.sort();
        columns.sort();
        assert_eq!(properties, columns);
    }

    #[test]
    fn every_field_of_a_session_and_a_bind_is_described() {
        described::<CountersSnapshot>(
            &crate::actors::protocol::session::Counters::default().snapshot(),
        );
        described::<Bind>(&BindStatus::new("transmitter", true));
    }

    #[test]
    fn every_field_of_each_gateway_kind_is_described() {
        use crate::actors::protocol::gateway::{ModemView, Radio, SimulatorView};
        use crate::upstream::status::GatewaySnapshot;
        let smpp = GatewayView::Upstream(GatewaySnapshot {
            name: "up".into(),
            kind: "smpp",
            up: true,
            stopped: false,
            binds: vec![BindStatus::new("transceiver", true)],
            window_in_use: 0,
            queue_depth: 0,
            tps_configured: 0,
            tps_measured: 0.0,
            last_error: None,
            reconnects: 0,
        });
        let modem = GatewayView::Modem(ModemView {
            name: "gsm".into(),
            kind: "modem",
            up: false,
            stopped: false,
            connected: false,
            device: "/dev/ttyUSB0".into(),
            last_error: None,
            radio: Some(Radio {
                dbm: None,
                registration: "home",
            }),
        });
        let simulator = GatewayView::Simulator(SimulatorView {
            name: "sim".into(),
            kind: "simulator",
            up: true,
            stopped: false,
            dlr_delay_ms: 0,
            receipts_due: 0,
        });
        for view in [smpp, modem, simulator] {
            described::<GatewayView>(&view);
        }
    }

    #[test]
    fn a_send_request_has_the_limits_of_the_api() {
        use crate::api::{MAX_VALIDITY_MINUTES, SendRequest};
        let schema = serde_json::to_value(SendRequest::schema()).unwrap();
        let validity = &schema["properties"]["validity_minutes"];
        assert_eq!(validity["maximum"], MAX_VALIDITY_MINUTES);
        let priority = &schema["properties"]["priority"];
        assert_eq!(
            (&priority["minimum"], &priority["maximum"]),
            (&0.into(), &crate::lanes::HIGHEST_PRIORITY.into())
        );
        let recipients = serde_json::to_value(Recipients::schema()).unwrap();
        assert_eq!(recipients["oneOf"][1]["maxItems"], MAX_DESTINATIONS);
    }

    #[test]
    fn enum_values_read_back_as_the_types() {
        for (schema, read) in [
            (
                MessageState::schema(),
                (|value| serde_json::from_value::<MessageState>(value).is_ok())
                    as fn(Value) -> bool,
            ),
            (LedgerKind::schema(), |value| {
                serde_json::from_value::<LedgerKind>(value).is_ok()
            }),
        ] {
            let schema = serde_json::to_value(schema).unwrap();
            let values = schema["enum"].as_array().unwrap();
            assert!(!values.is_empty());
            assert!(values.iter().cloned().all(read), "{values:?}");
        }
    }
}
