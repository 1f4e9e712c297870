//! Charts drawn on the server as inline SVG: no chart library is sent to the browser. Colours
//! follow the text colour (`currentColor`), so the page's light and dark classes apply; each
//! chart has a title and description for screen readers, and the page shows the same figures
//! in a table. Sizes: the view box is about as wide as a chart's card at desktop width (two
//! charts side by side) and on a phone, so 13-unit labels read at 10–13 px; a chart never grows
//! past `max-w-2xl`. Labels and grid lines take slate tones (not the series colour) for contrast
//! in light and dark mode.

use std::fmt::Write;

use crate::markdown::escape_html as escape;

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 210.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Font size of every label, in view-box units.
const FONT: f64 = 13.0;
/// The classes of the chart's element: full width of its card, never larger than this.
const SVG_CLASS: &str = "w-full h-auto max-w-2xl";
/// Labels: readable grey in both modes (the series keep the figure's colour).
const LABEL: &str = r#"class="fill-slate-600 dark:fill-slate-300""#;
/// Grid lines.
const GRID: &str = r#"class="stroke-slate-200 dark:stroke-slate-700""#;

/// The axis top: four grid steps of a "nice" whole size (1, 2, 2.5 or 5 times a power of ten),
/// so every grid line is a whole number.
pub fn nice_max(max: f64) -> f64 {
    let raw = (max / 4.0).max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .filter(|s| s.fract() == 0.0)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    4.0 * step
}

/// Labels shown under the x axis: about six, evenly spaced, first and last included.
fn label_positions(n: usize) -> Vec<usize> {
    if n <= 7 {
        return (0..n).collect();
    }
    let step = (n - 1) as f64 / 5.0;
    (0..=5)
        .map(|i| (i as f64 * step).round() as usize)
        .collect()
}

fn frame(out: &mut String, title: &str, desc: &str, max: f64) {
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" class="{SVG_CLASS}" role="img"><title>{}</title><desc>{}</desc>"#,
        escape(title),
        escape(desc)
    );
    // Horizontal grid lines with their values.
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - f64::from(i) / 4.0);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" {GRID}/><text x="{}" y="{:.1}" font-size="{FONT}" text-anchor="end" {LABEL}>{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            format_value(v)
        );
    }
}

fn format_value(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0).replace(".0k", "k")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A line chart of one or two series over the same labels (e.g. days).
pub fn line(title: &str, labels: &[String], series: &[(&str, &[i64])]) -> String {
    let max = nice_max(
        series
            .iter()
            .flat_map(|(_, v)| v.iter())
            .copied()
            .max()
            .unwrap_or(0) as f64,
    );
    let desc = series
        .iter()
        .map(|(name, v)| format!("{name} : total {}", v.iter().sum::<i64>()))
        .collect::<Vec<_>>()
        .join(" ; ");
    let mut out = String::with_capacity(4096);
    frame(&mut out, title, &desc, max);
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v as f64 / max);
    for (k, (_, values)) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let dash = if k == 0 {
            ""
        } else {
            r#" stroke-dasharray="5 4""#
        };
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="currentColor" stroke-width="2.5" stroke-linejoin="round"{dash} points="{}"/>"#,
            points.join(" ")
        );
    }
    for i in label_positions(labels.len()) {
        let anchor = if i == 0 {
            "start"
        } else if i + 1 == labels.len() {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" font-size="{FONT}" text-anchor="{anchor}" {LABEL}>{}</text>"#,
            x(i),
            HEIGHT - 9.0,
            escape(&labels[i])
        );
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar chart (e.g. top courses), one bar per row.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let max = nice_max(rows.iter().map(|(_, v)| *v).max().unwrap_or(0) as f64);
    let row_h = 36.0;
    let height = TOP + row_h * rows.len().max(1) as f64 + 8.0;
    let desc = rows
        .iter()
        .map(|(l, v)| format!("{l} : {v}"))
        .collect::<Vec<_>>()
        .join(" ; ");
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {WIDTH} {height}" class="{SVG_CLASS}" role="img"><title>{}</title><desc>{}</desc>"#,
        escape(title),
        escape(&desc)
    );
    let bar_left = 8.0;
    let bar_width = WIDTH - bar_left - 48.0;
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = TOP + row_h * i as f64;
        let w = (bar_width * *value as f64 / max).max(2.0);
        let _ = write!(
            out,
            r#"<rect x="{bar_left}" y="{:.1}" width="{w:.1}" height="12" rx="2" fill="currentColor"/><text x="{bar_left}" y="{:.1}" font-size="{FONT}" {LABEL}>{}</text><text x="{:.1}" y="{:.1}" font-size="{FONT}" font-weight="600" {LABEL}>{value}</text>"#,
            y + 16.0,
            y + 10.0,
            escape(label),
            bar_left + w + 6.0,
            y + 26.0,
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 4.0);
        assert_eq!(nice_max(4.0), 4.0);
        assert_eq!(nice_max(5.0), 8.0);
        assert_eq!(nice_max(17.0), 20.0);
        assert_eq!(nice_max(51.0), 80.0);
        assert_eq!(nice_max(1000.0), 1000.0);
        assert_eq!(nice_max(1001.0), 2000.0);
    }

    #[test]
    fn charts_are_accessible_escaped_svg() {
        let labels: Vec<String> = (1..=30).map(|d| format!("{d:02}/11")).collect();
        let values: Vec<i64> = (0..30).collect();
        let svg = line("Inscriptions <test>", &labels, &[("Inscriptions", &values)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>Inscriptions &lt;test&gt;</title>"));
        assert!(svg.contains("total 435"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        // Six labels at most under the axis, the first and the last among them.
        assert!(svg.contains(">01/11<") && svg.contains(">30/11<"));
        assert!(!svg.contains(">02/11<"));
        let svg = bars("Top", &[("Python & co".into(), 12), ("Excel".into(), 3)]);
        assert!(svg.contains("Python &amp; co"));
        assert_eq!(svg.matches("<rect").count(), 2);
        // Nothing to draw is still a valid chart.
        assert!(line("Vide", &[], &[("x", &[])]).ends_with("</svg>"));
        assert!(bars("Vide", &[]).ends_with("</svg>"));
    }
}
