//! Inline SVG charts: horizontal bars, a funnel and a Pareto curve. Plain markup styled by
//! the page's CSS classes, no script, no fonts of their own; every label is escaped.

use crate::html::esc;
use crate::CurvePoint;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One bar: its label, the value that sets its length, and the text printed after it.
pub(crate) struct Bar {
    pub label: String,
    pub value: i128,
    pub text: String,
}

/// Bars drawn at most; the table below the chart has every row.
const MAX_BARS: usize = 20;
const WIDTH: i64 = 720;
const LABEL_W: i64 = 200;
const BAR_W: i64 = 320;
const ROW_H: i64 = 24;

/// `text` cut to `cols` display columns (a Chinese character is two), with `…` when cut.
fn clip(text: &str, cols: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > cols {
            out.push('…');
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// Pixels that `text` takes at the charts' 12px font, generously (a Chinese character is
/// two columns), so a chart is made wide enough for its texts.
fn text_px(text: &str) -> i64 {
    UnicodeWidthStr::width(text) as i64 * 7 + 8
}

/// The opening of a chart `w` by `h` pixels with its title (also the accessible name).
fn open(w: i64, h: i64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title><text class=\"ctitle\" x=\"0\" y=\"16\">{t}</text>",
        t = esc(title)
    )
}

/// A horizontal bar chart; bars scale to the largest value, negative values draw nothing.
/// The chart is as wide as its longest value text needs.
pub(crate) fn hbar(title: &str, bars: &[Bar]) -> String {
    let shown = &bars[..bars.len().min(MAX_BARS)];
    let max = shown.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let extra = i64::from(bars.len() > MAX_BARS);
    let h = 28 + (shown.len() as i64 + extra) * ROW_H + 8;
    let w = (LABEL_W + BAR_W + 6 + shown.iter().map(|b| text_px(&b.text)).max().unwrap_or(0)).max(WIDTH);
    let mut s = open(w, h, title);
    if shown.is_empty() {
        s.push_str("<text class=\"muted\" x=\"0\" y=\"44\">no data</text>");
    }
    for (i, b) in shown.iter().enumerate() {
        let y = 28 + i as i64 * ROW_H;
        let len = if b.value <= 0 { 0 } else { ((b.value * i128::from(BAR_W)) / max).max(1) as i64 };
        s.push_str(&format!(
            "<g><title>{full}: {text}</title><text class=\"lbl\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect class=\"bar\" x=\"{bx}\" y=\"{by}\" width=\"{len}\" height=\"{bh}\"/>\
             <text class=\"val\" x=\"{vx}\" y=\"{ty}\">{text}</text></g>",
            full = esc(&b.label),
            text = esc(&b.text),
            label = esc(&clip(&b.label, 28)),
            lx = LABEL_W - 8,
            ty = y + 16,
            bx = LABEL_W,
            by = y + 4,
            bh = ROW_H - 8,
            vx = LABEL_W + len + 6,
        ));
    }
    if extra == 1 {
        let y = 28 + shown.len() as i64 * ROW_H + 16;
        s.push_str(&format!(
            "<text class=\"muted\" x=\"{LABEL_W}\" y=\"{y}\">… and {} more (see the table)</text>",
            bars.len() - MAX_BARS
        ));
    }
    s.push_str("</svg>");
    s
}

/// One funnel step: label, customers reached, and the text beside it.
pub(crate) struct Step {
    pub label: String,
    pub reached: u32,
    pub text: String,
}

/// A funnel: one centred band per step, as wide as the customers that reached it, with the
/// conversion to the next step written between bands.
pub(crate) fn funnel(title: &str, steps: &[Step], conversions: &[String]) -> String {
    let band = 40;
    let gap = 26;
    let h = 28 + steps.len() as i64 * (band + gap);
    let max = i64::from(steps.iter().map(|s| s.reached).max().unwrap_or(0).max(1));
    let area = 400;
    let cx = 210;
    let w = (cx + area / 2 + 16 + steps.iter().map(|s| text_px(&s.text)).max().unwrap_or(0)).max(WIDTH);
    let mut s = open(w, h, title);
    for (i, st) in steps.iter().enumerate() {
        let y = 28 + i as i64 * (band + gap);
        let w = if st.reached == 0 { 0 } else { (i64::from(st.reached) * area / max).max(2) };
        s.push_str(&format!(
            "<rect class=\"bar step{i}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{band}\"/>\
             <text class=\"lbl\" x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\">{label}: {n}</text>\
             <text class=\"val\" x=\"{tx}\" y=\"{ty}\">{text}</text>",
            x = cx - w / 2,
            ty = y + band / 2 + 5,
            label = esc(&st.label),
            n = st.reached,
            tx = cx + area / 2 + 16,
            text = esc(&st.text),
        ));
        if let Some(c) = conversions.get(i) {
            s.push_str(&format!(
                "<text class=\"muted\" x=\"{cx}\" y=\"{cy}\" text-anchor=\"middle\">↓ {c}</text>",
                cy = y + band + gap / 2 + 5,
                c = esc(c)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// The Pareto curve: cumulative share of revenue (y) against share of buyers, largest
/// first (x), with the diagonal of an even book and a marker at 20% of buyers; `top_point`
/// (the top 20% of buyers and their share) is drawn as a dot.
pub(crate) fn pareto(title: &str, points: &[CurvePoint], top_point: Option<CurvePoint>, top_label: &str) -> String {
    let (left, top, pw, ph) = (56i64, 28i64, 420i64, 300i64);
    let (w, h) = ((left + pw + 12 + text_px(top_label)).max(WIDTH), top + ph + 48);
    let px = |bp: u32| left + i64::from(bp) * pw / 10_000;
    let py = |bp: u32| top + ph - i64::from(bp) * ph / 10_000;
    let mut s = open(w, h, title);
    for k in 0..=5u32 {
        let bp = k * 2000;
        s.push_str(&format!(
            "<line class=\"grid\" x1=\"{l}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\"/>\
             <text class=\"tick\" x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{p}%</text>\
             <line class=\"grid\" x1=\"{x}\" y1=\"{t}\" x2=\"{x}\" y2=\"{b}\"/>\
             <text class=\"tick\" x=\"{x}\" y=\"{by}\" text-anchor=\"middle\">{p}%</text>",
            l = left,
            r = left + pw,
            y = py(bp),
            tx = left - 6,
            ty = py(bp) + 4,
            p = k * 20,
            x = px(bp),
            t = top,
            b = top + ph,
            by = top + ph + 16,
        ));
    }
    s.push_str(&format!(
        "<line class=\"diag\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
         <text class=\"muted\" x=\"{}\" y=\"{}\">share of buyers, largest first</text>\
         <text class=\"muted\" x=\"{}\" y=\"{}\" transform=\"rotate(-90 {} {})\" text-anchor=\"middle\">share of revenue</text>",
        px(0),
        py(0),
        px(10_000),
        py(10_000),
        left + pw / 2 - 90,
        top + ph + 34,
        14,
        top + ph / 2,
        14,
        top + ph / 2,
    ));
    if points.is_empty() {
        s.push_str(&format!(
            "<text class=\"muted\" x=\"{}\" y=\"{}\">no revenue in the window</text>",
            left + 20,
            top + 40
        ));
    } else {
        let pts: Vec<String> =
            points.iter().map(|p| format!("{},{}", px(p.customer_share_bp), py(p.revenue_share_bp))).collect();
        s.push_str(&format!("<polyline class=\"curve\" points=\"{}\"/>", pts.join(" ")));
        s.push_str(&format!(
            "<line class=\"mark\" x1=\"{x}\" y1=\"{t}\" x2=\"{x}\" y2=\"{b}\"/>\
             <text class=\"val\" x=\"{tx}\" y=\"{ty}\">{label}</text>",
            x = px(2000),
            t = top,
            b = top + ph,
            tx = left + pw + 12,
            ty = top + 20,
            label = esc(top_label),
        ));
        if let Some(p) = top_point {
            s.push_str(&format!(
                "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"4\"/>",
                px(p.customer_share_bp),
                py(p.revenue_share_bp)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_chinese_as_two_columns() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("上海精工", 5), "上海…");
    }

    #[test]
    fn charts_escape_labels_and_survive_empty_input() {
        let bars = [Bar { label: "<script>x</script>".into(), value: -3, text: "a&b".into() }];
        let s = hbar("t<", &bars);
        assert!(!s.contains("<script>") && s.contains("&lt;script&gt;") && s.contains("a&amp;b"));
        assert!(hbar("empty", &[]).contains("no data"));
        assert!(pareto("p", &[], None, "").contains("no revenue"));
        assert!(funnel("f", &[], &[]).ends_with("</svg>"));
    }
}
