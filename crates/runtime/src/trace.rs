//! W3C trace context (`traceparent`) and the per-request context that carries it, the
//! request id and the deadline from the server side of a call to the client side.

use std::fmt;
use std::time::Instant;

/// A parsed `traceparent`: which trace this work belongs to, and the span that caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(8) {
        let r = fastrand::u64(..).to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
    out
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes `bytes` as lower-case hex into `out`, which is twice as long.
fn hex_into(bytes: &[u8], out: &mut [u8]) {
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX_DIGITS[usize::from(b >> 4)];
        pair[1] = HEX_DIGITS[usize::from(b & 0xf)];
    }
}

/// An id printed as lower-case hex without building a string first, as every request's span
/// prints two. Only this module makes them, of 8 or 16 bytes.
#[derive(Clone, Copy)]
pub struct Hex<const N: usize>([u8; N]);

impl<const N: usize> fmt::Display for Hex<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 32];
        let out = &mut buf[..N * 2];
        hex_into(&self.0, out);
        f.write_str(std::str::from_utf8(out).map_err(|_| fmt::Error)?)
    }
}

impl<const N: usize> fmt::Debug for Hex<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

impl TraceContext {
    /// Starts a new trace (this process is the trace origin).
    pub fn new_root() -> Self {
        let mut trace_id = random_bytes::<16>();
        trace_id[0] |= 1; // all-zero ids are invalid
        Self { trace_id, span_id: random_bytes::<8>(), sampled: true }
    }

    /// Parses a `traceparent` header value; `None` when it is not a valid version-00 value.
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.trim().split('-');
        let (version, trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != "00" || parts.next().is_some() {
            return None;
        }
        let trace_id = unhex::<16>(trace)?;
        let span_id = unhex::<8>(span)?;
        let flags = unhex::<1>(flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self { trace_id, span_id, sampled: flags[0] & 1 == 1 })
    }

    /// A new span in the same trace, whose parent is this one.
    pub fn child(&self) -> Self {
        Self { span_id: random_bytes::<8>(), ..*self }
    }

    /// The header value: `00-{trace id}-{span id}-{flags}`.
    pub fn to_header(&self) -> String {
        String::from_utf8_lossy(&self.header_bytes()).into_owned()
    }

    /// The header value's bytes, without allocating.
    pub(crate) fn header_bytes(&self) -> [u8; 55] {
        let mut out = *b"00-00000000000000000000000000000000-0000000000000000-00";
        hex_into(&self.trace_id, &mut out[3..35]);
        hex_into(&self.span_id, &mut out[36..52]);
        if self.sampled {
            out[54] = b'1';
        }
        out
    }

    /// The trace id as 32 hex digits, as logs print it.
    pub fn trace_id(&self) -> Hex<16> {
        Hex(self.trace_id)
    }

    /// The span id as 16 hex digits.
    pub fn span_id(&self) -> Hex<8> {
        Hex(self.span_id)
    }
}

/// What travels with one unit of work (a request or an event being handled).
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The span of this unit of work.
    pub trace: TraceContext,
    /// The request id (`x-request-id`), echoed in responses and 5xx problems.
    pub request_id: String,
    /// When the caller stops waiting; outbound calls get no more than what is left.
    pub deadline: Option<Instant>,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

impl RequestContext {
    /// The context of the work running on this task, if any.
    pub fn current() -> Option<RequestContext> {
        CONTEXT.try_with(Clone::clone).ok()
    }

    /// Runs `fut` with this context as the current one.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        CONTEXT.scope(self, fut).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_children_keep_the_trace() {
        let root = TraceContext::new_root();
        let parsed = TraceContext::parse(&root.to_header()).expect("own header parses");
        assert_eq!(parsed, root);
        let child = root.child();
        assert_eq!(child.trace_id().to_string(), root.trace_id().to_string());
        assert_ne!(child.span_id().to_string(), root.span_id().to_string());
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            "",
            "00-abc-def-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert!(TraceContext::parse(bad).is_none(), "{bad}");
        }
        let ok = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").expect("spec example");
        assert_eq!(ok.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(ok.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(ok.to_header(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
}
