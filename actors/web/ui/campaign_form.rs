//! The customer's campaign forms, as posted and as drawn: the settings
//! both forms share (start time, TPS, quiet hours), and the campaigns
//! page's form with its rows of conditions on contact fields (every one
//! must hold; a row without a field is ignored; `in` takes values
//! separated by commas). "Add a condition" draws the form again with one
//! row more and what was typed kept, as a refusal does, so the form needs
//! no JavaScript. What the form says becomes the API's JSON body and is
//! read by the API's own reader (`CampaignRequest`), so it asks nothing
//! the API would refuse and a refusal gives the API's reason.

use actix_web::http::StatusCode;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::i18n::Text;
use super::layout::{Frame, csrf_field};
use super::session::Session;
use crate::actors::web::campaign_create::CampaignRequest;
use crate::actors::web::problem::Problem;
use crate::api::FieldError;
use crate::contacts::selection::MAX_CONDITIONS;

/// Condition rows a fresh form shows.
const CONDITION_ROWS: usize = 3;

/// The tests a condition row offers, as the API names them.
const OPS: [&str; 8] = ["eq", "ne", "in", "prefix", "lt", "le", "gt", "ge"];

/// What both campaign forms (the campaigns page's and the send page's
/// file) may set besides the audience and the text, each empty when not
/// set.
#[derive(Default, Deserialize)]
pub(super) struct FormSettings {
    /// `YYYY-MM-DDTHH:MM` in the account's time zone; empty: at once.
    #[serde(default)]
    pub start_at: String,
    /// Messages per second at most; empty: the account's limit.
    #[serde(default)]
    pub tps: String,
    /// Quiet hours, `HH:MM` to `HH:MM` in the account's time zone.
    #[serde(default)]
    pub quiet_from: String,
    #[serde(default)]
    pub quiet_to: String,
}

impl FormSettings {
    /// The settings as the API's campaign requests name them, laid into
    /// `body`; `nested_quiet` lays the quiet hours as `quiet_hours` (a
    /// JSON body's) or as `quiet_from` and `quiet_to` (a file's
    /// parameters).
    pub fn lay_into(&self, body: &mut Value, nested_quiet: bool) -> Result<(), Problem> {
        let (start_at, tps) = (self.start_at.trim(), self.tps.trim());
        let (quiet_from, quiet_to) = (self.quiet_from.trim(), self.quiet_to.trim());
        if !start_at.is_empty() {
            body["start_at"] = json!(start_at);
        }
        if !tps.is_empty() {
            let tps: u32 = tps.parse().map_err(|_| {
                Problem::with_field(
                    StatusCode::BAD_REQUEST,
                    FieldError::new("tps", format!("{tps:?} is not a whole number")),
                )
            })?;
            body["tps"] = json!(tps);
        }
        match (quiet_from.is_empty(), quiet_to.is_empty()) {
            (true, true) => {}
            (false, false) if nested_quiet => {
                body["quiet_hours"] = json!({"from": quiet_from, "to": quiet_to});
            }
            (false, false) => {
                body["quiet_from"] = json!(quiet_from);
                body["quiet_to"] = json!(quiet_to);
            }
            _ => {
                return Err(Problem::with_field(
                    StatusCode::BAD_REQUEST,
                    FieldError::new("quiet_hours", "quiet hours need a start and an end"),
                ));
            }
        }
        Ok(())
    }
}

/// The inputs of [`FormSettings`], holding `settings`.
pub(super) fn settings_inputs(frame: &Frame<'_>, settings: &FormSettings) -> Markup {
    html! {
        label { (frame.t(Text::StartAt)) input type="datetime-local" name="start_at" value=(settings.start_at); }
        label { (frame.t(Text::TpsOptional)) input type="number" name="tps" min="1" inputmode="numeric" value=(settings.tps); }
        div.pair {
            label { (frame.t(Text::QuietFrom)) input type="time" name="quiet_from" value=(settings.quiet_from); }
            label { (frame.t(Text::QuietTo)) input type="time" name="quiet_to" value=(settings.quiet_to); }
        }
    }
}

/// One row of conditions as typed: a field, a test, a value (for `in`,
/// values separated by commas).
#[derive(Clone, Default)]
struct ConditionRow {
    field: String,
    op: String,
    value: String,
}

impl ConditionRow {
    /// The condition as the API's body writes it; `None` for a row
    /// without a field.
    fn condition(&self) -> Option<Value> {
        let field = self.field.trim();
        if field.is_empty() {
            return None;
        }
        Some(if self.op == "in" {
            let values: Vec<&str> = self
                .value
                .split(',')
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .collect();
            json!({"field": field, "op": "in", "values": values})
        } else {
            json!({"field": field, "op": self.op, "value": self.value.trim()})
        })
    }
}

/// The campaigns page's form, as posted or to be drawn.
#[derive(Default)]
pub(super) struct CampaignForm {
    pub csrf: String,
    name: String,
    from: String,
    text: String,
    /// Listed numbers, separated by commas, spaces or lines.
    numbers: String,
    /// Group names, separated as the numbers.
    groups: String,
    settings: FormSettings,
    conditions: Vec<ConditionRow>,
    /// Rows of conditions that did not pair up.
    uneven: Option<UnevenRows>,
    /// "Add a condition" was pressed: draw the form again, make nothing.
    pub more: bool,
}

/// A form whose rows of conditions do not pair up (a forged one: a
/// browser sends every row's three inputs).
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error(
    "each condition is a field, a test and a value: {fields} fields, {ops} tests, {values} values"
)]
struct UnevenRows {
    fields: usize,
    ops: usize,
    values: usize,
}

impl CampaignForm {
    /// The form from its fields as posted, in order (a row's `field`,
    /// `op` and `value` repeat); fields it does not know are ignored.
    pub fn read(pairs: Vec<(String, String)>) -> CampaignForm {
        let mut form = CampaignForm::default();
        let (mut fields, mut ops, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "name" => form.name = value,
                "from" => form.from = value,
                "text" => form.text = value,
                "numbers" => form.numbers = value,
                "groups" => form.groups = value,
                "start_at" => form.settings.start_at = value,
                "tps" => form.settings.tps = value,
                "quiet_from" => form.settings.quiet_from = value,
                "quiet_to" => form.settings.quiet_to = value,
                "field" => fields.push(value),
                "op" => ops.push(value),
                "value" => values.push(value),
                "more" => form.more = true,
                _ => {}
            }
        }
        if fields.len() != ops.len() || ops.len() != values.len() {
            form.uneven = Some(UnevenRows {
                fields: fields.len(),
                ops: ops.len(),
                values: values.len(),
            });
        }
        form.conditions = fields
            .into_iter()
            .zip(ops)
            .zip(values)
            .map(|((field, op), value)| ConditionRow { field, op, value })
            .collect();
        form
    }

    /// The API's request for this form, read by the API's reader.
    pub fn request(&self) -> Result<CampaignRequest, Problem> {
        if let Some(uneven) = &self.uneven {
            return Err(Problem::new(StatusCode::BAD_REQUEST, uneven.to_string()));
        }
        let conditions: Vec<Value> = self
            .conditions
            .iter()
            .filter_map(ConditionRow::condition)
            .collect();
        let mut body = json!({
            "name": self.name.trim(),
            "from": self.from.trim(),
            "text": self.text.replace("\r\n", "\n"),
            "numbers": entries(&self.numbers),
            "groups": entries(&self.groups),
            "conditions": conditions,
        });
        self.settings.lay_into(&mut body, true)?;
        serde_json::from_value(body)
            .map_err(|refused| Problem::new(StatusCode::BAD_REQUEST, refused.to_string()))
    }

    /// The rows to draw: those typed, at least [`CONDITION_ROWS`], one
    /// more when asked, never more than a selection may have.
    fn rows(&self) -> Vec<ConditionRow> {
        let wanted = self.conditions.len().max(CONDITION_ROWS) + usize::from(self.more);
        let mut rows = self.conditions.clone();
        rows.resize(wanted.min(MAX_CONDITIONS), ConditionRow::default());
        rows
    }

    /// The form, holding what it holds.
    pub fn markup(&self, frame: &Frame<'_>, session: &Session) -> Markup {
        let rows = self.rows();
        html! {
            form.stack method="post" action="/ui/me/campaigns" {
                (csrf_field(session))
                label { (frame.t(Text::Name)) input type="text" name="name" required maxlength="100" value=(self.name); }
                label { (frame.t(Text::From)) input type="text" name="from" required maxlength="16" value=(self.from); }
                label { (frame.t(Text::Body)) textarea name="text" required placeholder="Hola {{name|cliente}}" { (self.text) } }
                label { (frame.t(Text::Numbers)) textarea name="numbers" placeholder="+34600111222, +34600111333" { (self.numbers) } }
                label { (frame.t(Text::Groups)) input type="text" name="groups" value=(self.groups); }
                fieldset.conditions {
                    legend { (frame.t(Text::OnlyWhere)) }
                    p.muted { (frame.t(Text::ConditionsExplained)) }
                    @for (index, row) in rows.iter().enumerate() {
                        div.pair.condition data-condition=(index) {
                            label { (frame.t(Text::Field)) input type="text" name="field" placeholder="city" value=(row.field); }
                            label { (frame.t(Text::Test)) select name="op" {
                                @for op in OPS {
                                    option value=(op) selected[row.op == op] { (op_label(frame, op)) }
                                }
                            } }
                            label { (frame.t(Text::Value)) input type="text" name="value" placeholder="Madrid" value=(row.value); }
                        }
                    }
                }
                (settings_inputs(frame, &self.settings))
                // Create first: the button Enter presses.
                div.actions {
                    button type="submit" { (frame.t(Text::Create)) }
                    @if rows.len() < MAX_CONDITIONS {
                        button.secondary type="submit" name="more" value="1" formnovalidate { (frame.t(Text::AddCondition)) }
                    }
                }
            }
        }
    }
}

/// How a test of [`OPS`] is shown: a sign, or words for `in` and `prefix`.
fn op_label(frame: &Frame<'_>, op: &str) -> &'static str {
    match op {
        "eq" => "=",
        "ne" => "≠",
        "in" => frame.t(Text::OneOf),
        "prefix" => frame.t(Text::StartsWith),
        "lt" => "<",
        "le" => "≤",
        "gt" => ">",
        _ => "≥",
    }
}

/// Entries separated by commas, spaces or lines.
fn entries(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\r', ';'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}
