//! Reading what an instance's `/metrics` says: a parser of the Prometheus text exposition
//! format (version 0.0.4), and the arithmetic over two scrapes (counter rates, histogram
//! quantiles).
//!
//! Hand-written: the console needs samples with their labels and nothing else (no types, no
//! exemplars, no OpenMetrics), which is a few dozen lines; the crates that parse the format
//! either pull a regex engine or are unmaintained.

/// One sample: a metric name, its labels and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Metric name (for a histogram's parts, with the `_bucket`/`_sum`/`_count` suffix).
    pub name: String,
    /// Label pairs, in the order they were written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A line of the exposition that is neither a comment nor a sample.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses a whole exposition. Comments (`# HELP`, `# TYPE`) and blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Sample>, ParseError> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        samples.push(parse_line(line).map_err(|reason| ParseError { line: index + 1, reason })?);
    }
    Ok(samples)
}

fn parse_line(line: &str) -> Result<Sample, &'static str> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace()).ok_or("no value")?;
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err("invalid metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        let (parsed, remaining) = parse_labels(after_brace)?;
        labels = parsed;
        rest = remaining;
    }
    // The value, then an optional timestamp (ignored: every sample of a scrape is "now").
    let value = rest.split_whitespace().next().ok_or("no value")?;
    Ok(Sample { name: name.to_owned(), labels, value: parse_value(value)? })
}

/// Parses `k="v",...}` and returns the pairs and what follows the closing brace.
/// Label pairs of one sample.
type Labels = Vec<(String, String)>;

fn parse_labels(mut s: &str) -> Result<(Labels, &str), &'static str> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let eq = s.find('=').ok_or("label without value")?;
        let key = s[..eq].trim();
        if key.is_empty() {
            return Err("empty label name");
        }
        let mut chars = s[eq + 1..].trim_start().char_indices();
        let start = s.len() - s[eq + 1..].trim_start().len();
        if chars.next().map(|(_, c)| c) != Some('"') {
            return Err("label value not quoted");
        }
        let mut value = String::new();
        let mut end = None;
        let mut escaped = false;
        for (i, c) in chars {
            match (escaped, c) {
                (true, 'n') => {
                    value.push('\n');
                    escaped = false;
                }
                (true, other) => {
                    value.push(other);
                    escaped = false;
                }
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(start + i + 1);
                    break;
                }
                (false, other) => value.push(other),
            }
        }
        let end = end.ok_or("unterminated label value")?;
        labels.push((key.to_owned(), value));
        s = s[end..].trim_start();
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err("expected ',' or '}' after a label");
        }
    }
}

fn parse_value(s: &str) -> Result<f64, &'static str> {
    match s {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        other => other.parse().map_err(|_| "invalid value"),
    }
}

/// Per-second rate of a counter that went from `before` to `after` in `seconds`. A counter
/// that went down was reset (the process restarted): its current value is all it counted
/// since, as Prometheus' `rate` assumes.
pub fn rate(before: f64, after: f64, seconds: f64) -> f64 {
    if seconds <= 0.0 {
        return 0.0;
    }
    let delta = if after < before { after } else { after - before };
    delta / seconds
}

/// The `q`-quantile (0 ≤ q ≤ 1) of a histogram given as cumulative buckets `(le, count)`,
/// estimated as Prometheus' `histogram_quantile` does: find the bucket holding the rank and
/// interpolate linearly inside it (from 0 for the first bucket). A rank in the `+Inf`
/// bucket answers the largest finite bound. `None` without observations.
pub fn quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = buckets.iter().copied().filter(|(le, _)| !le.is_nan()).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = sorted.last().map(|(_, count)| *count)?;
    if total <= 0.0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total;
    let mut lower = 0.0;
    let mut below = 0.0;
    for &(le, count) in &sorted {
        if count >= rank && count > below {
            if le.is_infinite() {
                return Some(lower);
            }
            return Some(lower + (le - lower) * (rank - below) / (count - below));
        }
        if le.is_finite() {
            lower = le;
        }
        below = count;
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = r#"# HELP http_server_requests_total Requests.
# TYPE http_server_requests_total counter
http_server_requests_total{service="catalog",route="/v1/products",method="GET",status="200"} 42
http_server_requests_total{service="catalog",route="/v1/products",method="GET",status="503"} 3 1712000000000
client_circuit_state{service="gateway",dependency="pricing"} 1
weird{path="a \"quoted\" \\ value\nnext",empty=""} -Inf
up 1
"#;

    #[test]
    fn samples_parse_with_their_labels() {
        let samples = parse(EXPOSITION).expect("parses");
        assert_eq!(samples.len(), 5);
        assert_eq!(samples[0].name, "http_server_requests_total");
        assert_eq!(samples[0].label("route"), Some("/v1/products"));
        assert_eq!(samples[0].value, 42.0);
        assert_eq!(samples[1].label("status"), Some("503"));
        assert_eq!(samples[1].value, 3.0, "the timestamp is not the value");
        assert_eq!(samples[2].label("dependency"), Some("pricing"));
        assert_eq!(samples[3].label("path"), Some("a \"quoted\" \\ value\nnext"));
        assert_eq!(samples[3].label("empty"), Some(""));
        assert_eq!(samples[3].value, f64::NEG_INFINITY);
        assert!(samples[4].labels.is_empty());
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line_number() {
        assert_eq!(parse("ok 1\nbroken{a=\"x\" 1\n").map_err(|e| e.line), Err(2));
        assert!(parse("no_value").is_err());
        assert!(parse("m{a=x} 1").is_err());
        assert!(parse("m 1.2.3").is_err());
        assert!(parse("bad-name 1").is_err());
    }

    #[test]
    fn rates_handle_resets() {
        assert_eq!(rate(10.0, 30.0, 2.0), 10.0);
        assert_eq!(rate(100.0, 4.0, 2.0), 2.0, "a restarted process counts from zero");
        assert_eq!(rate(1.0, 2.0, 0.0), 0.0);
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket() {
        // 100 observations: 50 ≤ 10 ms, 40 in (10, 50] ms, 10 in (50, 100] ms.
        let buckets = [(0.01, 50.0), (0.05, 90.0), (0.1, 100.0), (f64::INFINITY, 100.0)];
        let p50 = quantile(0.5, &buckets).expect("observations");
        assert!((p50 - 0.01).abs() < 1e-12, "{p50}");
        let p75 = quantile(0.75, &buckets).expect("observations");
        assert!((p75 - 0.035).abs() < 1e-12, "{p75}");
        let p99 = quantile(0.99, &buckets).expect("observations");
        assert!((p99 - 0.095).abs() < 1e-12, "{p99}");
        let p25 = quantile(0.25, &buckets).expect("observations");
        assert!((p25 - 0.005).abs() < 1e-12, "the first bucket starts at 0: {p25}");
    }

    #[test]
    fn a_rank_past_the_last_finite_bound_answers_that_bound() {
        let buckets = [(0.1, 1.0), (1.0, 2.0), (f64::INFINITY, 10.0)];
        assert_eq!(quantile(0.99, &buckets), Some(1.0));
        assert_eq!(quantile(0.5, &[(0.1, 0.0), (f64::INFINITY, 0.0)]), None, "no observations");
        assert_eq!(quantile(0.5, &[]), None);
    }
}
