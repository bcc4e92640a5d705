//! Prometheus metrics: one registry per process, rendered in the text format at `/metrics` on
//! every service's port. Requests are counted by [`crate::trace::layer`]; services add their
//! own counters, and gauges that are read when scraped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Latency buckets, in seconds: from a cached read to a held long poll.
const BUCKETS: [f64; 17] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0,
    120.0,
];

/// Labels of one series, in order: `[("route", "/configs/..."), ...]`.
type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One counter series (a name and a label set), kept by whoever adds to it often: adding
/// takes neither the registry's lock nor a lookup.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds `by`.
    pub fn add(&self, by: u64) {
        self.0.fetch_add(by, Ordering::Relaxed);
    }
}

/// One histogram series, kept by whoever observes it often (as [`Counter`]).
#[derive(Clone, Default)]
pub struct Timings(Arc<Mutex<Histogram>>);

impl Timings {
    /// Records one observation of `seconds`.
    pub fn observe(&self, seconds: f64) {
        let mut histogram = self.0.lock().unwrap_or_else(|e| e.into_inner());
        histogram.count += 1;
        histogram.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                histogram.buckets[i] += 1;
            }
        }
    }
}

/// A gauge computed when scraped; it answers one value per label set.
type Collect = Box<dyn Fn() -> Vec<(Labels, f64)> + Send + Sync>;

#[derive(Default)]
struct State {
    help: BTreeMap<&'static str, (&'static str, &'static str)>,
    counters: BTreeMap<(&'static str, Labels), Counter>,
    histograms: BTreeMap<(&'static str, Labels), Timings>,
    gauges: Vec<(&'static str, Collect)>,
}

/// The process's metrics.
pub struct Registry {
    state: Mutex<State>,
}

/// The process-wide registry.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        state: Mutex::new(State::default()),
    })
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `by` to the counter `name` (with `labels`); `help` describes it.
    pub fn count(&self, name: &'static str, help: &'static str, labels: Labels, by: u64) {
        self.counter(name, help, labels).add(by);
    }

    /// The counter `name` with `labels` (`help` describes it), to add to without a lookup.
    pub fn counter(&self, name: &'static str, help: &'static str, labels: Labels) -> Counter {
        let mut state = self.lock();
        state.help.entry(name).or_insert((help, "counter"));
        state.counters.entry((name, labels)).or_default().clone()
    }

    /// Records one observation of `seconds` in the histogram `name`.
    pub fn observe(&self, name: &'static str, help: &'static str, labels: Labels, seconds: f64) {
        self.timings(name, help, labels).observe(seconds);
    }

    /// The histogram `name` with `labels` (`help` describes it), to observe without a lookup.
    pub fn timings(&self, name: &'static str, help: &'static str, labels: Labels) -> Timings {
        let mut state = self.lock();
        state.help.entry(name).or_insert((help, "histogram"));
        state.histograms.entry((name, labels)).or_default().clone()
    }

    /// Registers a gauge read when scraped (e.g. long polls held, pool connections). A name
    /// registered twice (two services in one process) answers both sets of series.
    pub fn gauge(
        &self,
        name: &'static str,
        help: &'static str,
        collect: impl Fn() -> Vec<(Labels, f64)> + Send + Sync + 'static,
    ) {
        let mut state = self.lock();
        state.help.entry(name).or_insert((help, "gauge"));
        state.gauges.push((name, Box::new(collect)));
    }

    /// Everything, in Prometheus's text format.
    pub fn render(&self) -> String {
        let state = self.lock();
        let mut out = String::new();
        for (name, (help, kind)) in &state.help {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for ((_, labels), counter) in state.counters.iter().filter(|((n, _), _)| n == name) {
                let value = counter.0.load(Ordering::Relaxed);
                let _ = writeln!(out, "{name}{} {value}", format_labels(labels, None));
            }
            for ((_, labels), timings) in state.histograms.iter().filter(|((n, _), _)| n == name) {
                let h = timings.0.lock().unwrap_or_else(|e| e.into_inner());
                for (bound, count) in BUCKETS.iter().zip(h.buckets) {
                    let le = format_bound(*bound);
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {count}",
                        format_labels(labels, Some(&le))
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    format_labels(labels, Some("+Inf")),
                    h.count
                );
                let _ = writeln!(out, "{name}_sum{} {}", format_labels(labels, None), h.sum);
                let _ = writeln!(
                    out,
                    "{name}_count{} {}",
                    format_labels(labels, None),
                    h.count
                );
            }
            for (_, collect) in state.gauges.iter().filter(|(n, _)| n == name) {
                for (labels, value) in collect() {
                    let _ = writeln!(out, "{name}{} {value}", format_labels(&labels, None));
                }
            }
        }
        out
    }
}

fn format_bound(bound: f64) -> String {
    let text = format!("{bound}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

fn format_labels(labels: &[(&'static str, String)], le: Option<&str>) -> String {
    if labels.is_empty() && le.is_none() {
        return String::new();
    }
    let mut out = String::from("{");
    let mut first = true;
    for (key, value) in labels
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(le.map(|le| ("le", le)))
    {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(key);
        out.push_str("=\"");
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// `GET /metrics`.
pub fn routes() -> Router {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics() -> Response {
    let mut response = registry().render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_render_in_the_text_format() {
        let registry = Registry {
            state: Mutex::new(State::default()),
        };
        registry.count(
            "demo_total",
            "Demo things.",
            vec![("kind", "a\"b".into())],
            2,
        );
        registry.count(
            "demo_total",
            "Demo things.",
            vec![("kind", "a\"b".into())],
            1,
        );
        registry.observe("demo_seconds", "Demo latency.", vec![], 0.02);
        registry.observe("demo_seconds", "Demo latency.", vec![], 3.0);
        registry.gauge("demo_held", "Demo gauge.", || vec![(vec![], 7.0)]);
        let text = registry.render();
        assert!(
            text.contains("# TYPE demo_total counter\ndemo_total{kind=\"a\\\"b\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("demo_seconds_bucket{le=\"0.025\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("demo_seconds_bucket{le=\"5.0\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("demo_seconds_bucket{le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("demo_seconds_count 2\n"), "{text}");
        assert!(
            text.contains("# TYPE demo_held gauge\ndemo_held 7\n"),
            "{text}"
        );
    }
}
