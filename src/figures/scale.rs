//! Axis ranges and ticks: "nice" steps (1, 2 or 5 times a power of ten) and tick labels with
//! as many decimals as the step needs, so the same range always gives the same text.

use super::model::Tick;

/// Ticks over `[min, max]` at a nice step giving about `target` ticks; labels carry as many
/// decimals as the step needs (`-0` is written `0`). Empty when the range is not finite.
pub fn nice_ticks(min: f64, max: f64, target: usize) -> Vec<Tick> {
    if !(min.is_finite() && max.is_finite()) || max <= min {
        return Vec::new();
    }
    let step = nice_step((max - min) / target.max(1) as f64);
    let decimals = decimals_of(step);
    // A tolerance so that ends on a step (-0.3 / 0.1 = -2.9999999999999996) count.
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| {
            let value = i as f64 * step;
            Tick {
                value,
                label: format_value(value, decimals),
            }
        })
        .collect()
}

/// Ticks at whole numbers from `first` to `last` (epochs, raters), about `target` of them, at a
/// whole nice step, labelled without decimals.
pub fn integer_ticks(first: i64, last: i64, target: usize) -> Vec<Tick> {
    if last < first {
        return Vec::new();
    }
    let step =
        (nice_step((last - first).max(1) as f64 / target.max(1) as f64).ceil() as i64).max(1);
    let start = (first + step - 1) / step * step;
    let mut ticks: Vec<Tick> = std::iter::successors(Some(start.max(first)), |v| Some(v + step))
        .take_while(|v| *v <= last)
        .map(|v| Tick {
            value: v as f64,
            label: v.to_string(),
        })
        .collect();
    if ticks.first().is_none_or(|t| t.value as i64 != first) && step > 1 && first == 1 {
        ticks.insert(
            0,
            Tick {
                value: 1.0,
                label: "1".to_string(),
            },
        );
    }
    ticks
}

/// The nice step (1, 2, 2.5 or 5 × 10^k) nearest above `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 2.5 {
        2.5
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// Decimals needed to write multiples of `step` exactly.
fn decimals_of(step: f64) -> usize {
    (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6)
}

/// `value` with `decimals` decimals, `-0` written as `0`.
pub(crate) fn format_value(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// The range of `values` (finite ones) widened by `pad` of its width on each side, at least
/// `min_width` wide; `fallback` when there is no finite value.
pub(crate) fn padded_range(
    values: impl IntoIterator<Item = f64>,
    pad: f64,
    min_width: f64,
    fallback: (f64, f64),
) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return fallback;
    }
    let (mut lo, mut hi) = (lo, hi);
    if hi - lo < min_width {
        let mid = (lo + hi) / 2.0;
        lo = mid - min_width / 2.0;
        hi = mid + min_width / 2.0;
    }
    let width = hi - lo;
    (lo - pad * width, hi + pad * width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_nice_steps_with_stable_labels() {
        let ticks = nice_ticks(-2.3, 3.1, 6);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["-2", "-1", "0", "1", "2", "3"]);
        let ticks = nice_ticks(0.0, 1.0, 4);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0.00", "0.25", "0.50", "0.75", "1.00"]);
        let ticks = nice_ticks(-0.3, 0.3, 6);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]);
        assert_eq!(format_value(-0.0001, 2), "0.00");
        assert_eq!(format_value(-0.0051, 2), "-0.01");
        assert!(nice_ticks(1.0, 1.0, 5).is_empty());
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn integer_ticks_are_whole_numbers() {
        let labels = |t: Vec<Tick>| t.into_iter().map(|t| t.label).collect::<Vec<_>>();
        assert_eq!(labels(integer_ticks(1, 3, 10)), ["1", "2", "3"]);
        assert_eq!(
            labels(integer_ticks(1, 60, 6)),
            ["1", "10", "20", "30", "40", "50", "60"]
        );
        assert_eq!(
            labels(integer_ticks(1, 12, 12)),
            (1..=12).map(|i| i.to_string()).collect::<Vec<_>>()
        );
        assert!(integer_ticks(3, 2, 5).is_empty());
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        let (lo, hi) = padded_range([1.0, 3.0], 0.1, 0.5, (0.0, 1.0));
        assert!((lo - 0.8).abs() < 1e-12 && (hi - 3.2).abs() < 1e-12);
        let (lo, hi) = padded_range([2.0], 0.0, 1.0, (0.0, 1.0));
        assert_eq!((lo, hi), (1.5, 2.5));
        assert_eq!(padded_range([], 0.1, 1.0, (-1.0, 1.0)), (-1.0, 1.0));
    }
}
