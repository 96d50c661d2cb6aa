//! Bar charts as SVG drawn on the server: no script, nothing from another
//! host, readable without colour (each bar carries its value as a
//! `<title>`, the chart its label for screen readers). Presentation
//! attributes only, no inline style, so the pages' content security
//! policy holds.

use maud::{Markup, html};

const WIDTH: f64 = 720.0;
const PLOT_TOP: f64 = 12.0;
const PLOT_HEIGHT: f64 = 160.0;
const LEFT: f64 = 48.0;
/// Bar labels shown at most, spread evenly.
const MAX_LABELS: usize = 12;
const BAR_FILL: &str = "#2f6f9f";
const AXIS: &str = "#8a8f98";

/// A bar chart of `bars` (label, value) headed `label`; the scale goes to
/// `top` when given, else to the largest value. `show` writes a value.
pub fn bars(
    label: &str,
    bars: &[(String, f64)],
    top: Option<f64>,
    show: impl Fn(f64) -> String,
) -> Markup {
    let top = top
        .unwrap_or_else(|| bars.iter().map(|(_, value)| *value).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
    let every = bars.len().div_ceil(MAX_LABELS).max(1);
    let base = PLOT_TOP + PLOT_HEIGHT;
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {}", base + 22.0)) width="100%" role="img" aria-label=(label) {
                title { (label) }
                line x1=(LEFT) y1=(base) x2=(WIDTH) y2=(base) stroke=(AXIS) {}
                line x1=(LEFT) y1=(PLOT_TOP) x2=(LEFT) y2=(base) stroke=(AXIS) {}
                text x=(LEFT - 4.0) y=(PLOT_TOP + 8.0) text-anchor="end" font-size="11" fill=(AXIS) { (show(top)) }
                text x=(LEFT - 4.0) y=(base) text-anchor="end" font-size="11" fill=(AXIS) { (show(0.0)) }
                @for (index, (name, value)) in bars.iter().enumerate() {
                    @let height = (value / top).clamp(0.0, 1.0) * PLOT_HEIGHT;
                    @let x = LEFT + index as f64 * slot;
                    rect x=(format!("{:.1}", x + slot * 0.1)) y=(format!("{:.1}", base - height)) width=(format!("{:.1}", slot * 0.8)) height=(format!("{:.1}", height)) fill=(BAR_FILL) {
                        title { (name) ": " (show(*value)) }
                    }
                    @if index % every == 0 {
                        text x=(format!("{:.1}", x + slot / 2.0)) y=(base + 15.0) text-anchor="middle" font-size="10" fill=(AXIS) { (name) }
                    }
                }
            }
            figcaption { (label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bar_is_as_tall_as_its_share_of_the_top() {
        let svg = bars(
            "per hour",
            &[("00".into(), 2.0), ("01".into(), 4.0)],
            None,
            |value| format!("{value:.0}"),
        )
        .into_string();
        assert!(svg.contains(r#"aria-label="per hour""#), "{svg}");
        assert!(svg.contains(r#"height="80.0""#), "{svg}");
        assert!(svg.contains(r#"height="160.0""#), "{svg}");
        assert!(svg.contains("<title>01: 4</title>"), "{svg}");
        // Nothing to draw is still a chart, with no bar.
        let empty = bars("none", &[], Some(1.0), |value| value.to_string()).into_string();
        assert!(
            empty.contains("<svg") && !empty.contains("<rect"),
            "{empty}"
        );
    }
}
