//! Merchant webhooks: what an endpoint may be, which events it may ask for, which network
//! addresses are off limits, and how a delivery is signed.
//!
//! Off limits (unless the operator allows private targets, for local development): every
//! address that is not on the public internet — loopback, private (RFC 1918, IPv6 unique
//! local), link-local (including the cloud metadata address 169.254.169.254), unspecified,
//! shared (CGNAT), multicast, broadcast, reserved and documentation ranges, and IPv6 forms
//! that embed such an IPv4 address. A URL naming such an address (or `localhost`) is refused
//! when it is registered; a host name is checked again when it is resolved for each
//! delivery, so that a name pointing (or later re-pointed) inside the network is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use contracts::notifications::{NewWebhook, WebhookUpdate};
use hmac::{Hmac, Mac};
use runtime::http::FieldError;
use sha2::Sha256;
use url::{Host, Url};

use super::EVENT_TYPES;

/// The longest endpoint URL.
pub const MAX_URL_LEN: usize = 2_000;
/// Most event types per endpoint.
pub const MAX_EVENT_TYPES: usize = 20;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

const INTERNAL_TARGET: &str = "must not point to a loopback, private, link-local or unspecified address";

/// Whether `ip` is outside the public internet (see the module docs).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || ip.is_documentation()
        || ip.is_multicast()
        || a >= 240 // reserved, and broadcast
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        // IPv4-compatible (deprecated) `::a.b.c.d`
        || (segments[..6].iter().all(|s| *s == 0) && is_internal_v4(embedded(segments[6], segments[7])))
        // NAT64 `64:ff9b::a.b.c.d`
        || (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && is_internal_v4(embedded(segments[6], segments[7])))
        // 6to4 `2002:aabb:ccdd::`
        || (segments[0] == 0x2002 && is_internal_v4(embedded(segments[1], segments[2])))
}

/// Whether `host` is a name that always means this machine.
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Why `url` may not be an endpoint, if it may not: http(s) only, no user info, a host, and
/// (unless `allow_internal`) no internal address or local name. Returns the normalised URL.
pub fn check_url(raw: &str, allow_internal: bool) -> Result<Url, String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let url = Url::parse(raw.trim()).map_err(|_| "must be an absolute http:// or https:// URL".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("must use https:// (or http://)".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user info (`user:password@`); authenticate with the signature".to_owned());
    }
    let internal = match url.host() {
        None => return Err("must name a host".to_owned()),
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => is_local_name(name),
    };
    if internal && !allow_internal {
        return Err(INTERNAL_TARGET.to_owned());
    }
    Ok(url)
}

/// Why an address a host name resolved to may not be called, if it may not.
pub fn check_resolved(host: &str, ip: IpAddr, allow_internal: bool) -> Result<(), String> {
    if is_internal(ip) && !allow_internal {
        return Err(format!("`{host}` resolves to {ip}, which {INTERNAL_TARGET}"));
    }
    Ok(())
}

fn check_event_types(types: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if types.is_empty() {
        errors.push(FieldError::new("event_types", "must name at least one event type"));
    } else if types.len() > MAX_EVENT_TYPES {
        errors.push(FieldError::new("event_types", format!("must name at most {MAX_EVENT_TYPES} event types")));
    }
    let mut valid: Vec<String> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            errors.push(FieldError::new(
                format!("event_types[{i}]"),
                format!("unknown event type; supported: {}", EVENT_TYPES.join(", ")),
            ));
        } else if !valid.contains(t) {
            valid.push(t.clone());
        }
    }
    valid
}

fn check_description(description: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let text = description.map(str::trim).filter(|d| !d.is_empty())?;
    if text.chars().count() > MAX_DESCRIPTION_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters without control characters"),
        ));
    }
    Some(text.to_owned())
}

/// A validated `POST /v1/webhooks` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidWebhook {
    /// The normalised URL.
    pub url: String,
    /// Event types, each once, in the order sent.
    pub event_types: Vec<String>,
    /// Description, trimmed; `None` when blank.
    pub description: Option<String>,
}

impl ValidWebhook {
    /// Validates a new webhook; every invalid field is named.
    pub fn parse(dto: &NewWebhook, allow_internal: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let url = check_url(&dto.url, allow_internal).map_err(|m| errors.push(FieldError::new("url", m))).ok();
        let event_types = check_event_types(&dto.event_types, &mut errors);
        let description = check_description(dto.description.as_deref(), &mut errors);
        match url {
            Some(url) if errors.is_empty() => Ok(Self { url: url.to_string(), event_types, description }),
            _ => Err(errors),
        }
    }
}

/// A validated `PATCH /v1/webhooks/{id}` body: `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidWebhookUpdate {
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// New description; `Some(None)` removes it.
    pub description: Option<Option<String>>,
    /// Enable or pause.
    pub enabled: Option<bool>,
}

impl ValidWebhookUpdate {
    /// Validates an update; every invalid field is named.
    pub fn parse(dto: &WebhookUpdate, allow_internal: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let url = dto.url.as_deref().and_then(|raw| match check_url(raw, allow_internal) {
            Ok(url) => Some(url.to_string()),
            Err(m) => {
                errors.push(FieldError::new("url", m));
                None
            }
        });
        let event_types = dto.event_types.as_deref().map(|types| check_event_types(types, &mut errors));
        let description = dto.description.as_deref().map(|d| check_description(Some(d), &mut errors));
        if errors.is_empty() { Ok(Self { url, event_types, description, enabled: dto.enabled }) } else { Err(errors) }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A webhook's signing secret from 32 random bytes: `whsec_` and 64 hex digits.
pub fn secret_from(bytes: [u8; 32]) -> String {
    format!("whsec_{}", hex(&bytes))
}

/// The `Mercato-Signature` of `body` sent at `timestamp` (Unix seconds):
/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, the key being the
/// secret string's bytes.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        check_url(url, false).is_err()
    }

    #[test]
    fn internal_targets_are_refused() {
        for url in [
            "http://127.0.0.1/hook",
            "http://127.1.2.3:8080/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0.0.0.0/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2002:c0a8:0101::1]/",
            "http://localhost:3000/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://255.255.255.255/",
            "http://224.0.0.1/",
        ] {
            assert!(refused(url), "{url} must be refused");
            assert!(check_url(url, true).is_ok(), "{url} is allowed when internal targets are");
        }
        for url in [
            "https://example.com/hooks",
            "http://93.184.216.34:8080/x",
            "https://[2606:4700::1111]/",
            "https://172.32.0.1/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url} is public");
        }
    }

    #[test]
    fn only_http_urls_without_user_info() {
        assert!(check_url("ftp://example.com/", false).expect_err("scheme").contains("https://"));
        assert!(check_url("file:///etc/passwd", true).is_err());
        assert!(check_url("example.com/hook", false).is_err());
        assert!(check_url("https://user:pw@example.com/", false).expect_err("userinfo").contains("user info"));
        assert!(check_url("https://user@example.com/", false).is_err());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(MAX_URL_LEN)), false).is_err());
    }

    #[test]
    fn resolved_addresses_are_checked() {
        let err = check_resolved("evil.example", IpAddr::from([10, 1, 2, 3]), false).expect_err("private");
        assert!(err.contains("evil.example") && err.contains("10.1.2.3"), "{err}");
        assert!(check_resolved("ok.example", IpAddr::from([93, 184, 216, 34]), false).is_ok());
        assert!(check_resolved("dev.example", IpAddr::from([127, 0, 0, 1]), true).is_ok());
    }

    #[test]
    fn new_webhooks_name_each_invalid_field() {
        let dto = NewWebhook {
            url: "gopher://example.com".into(),
            event_types: vec!["order.placed".into(), "order.refunded".into(), "order.placed".into()],
            description: Some("x".repeat(501)),
        };
        let errors = ValidWebhook::parse(&dto, false).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "event_types[1]", "description"]);

        let ok = ValidWebhook::parse(
            &NewWebhook {
                url: "HTTPS://Example.COM/hooks".into(),
                event_types: vec!["order.placed".into(), "order.placed".into()],
                description: Some("  ".into()),
            },
            false,
        )
        .expect("valid");
        assert_eq!(ok.url, "https://example.com/hooks");
        assert_eq!(ok.event_types, ["order.placed"]);
        assert_eq!(ok.description, None);
        let empty = NewWebhook { url: "https://example.com".into(), event_types: vec![], description: None };
        assert_eq!(ValidWebhook::parse(&empty, false).expect_err("no types")[0].field, "event_types");
    }

    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        let sig = signature("Jefe", 0, b"what do ya want for nothing?");
        assert!(sig.starts_with("t=0,v1="));
        assert_eq!(sig.len(), "t=0,v1=".len() + 64);
        let again = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_eq!(sig, again);
        assert_ne!(signature("Jefe", 1, b"what do ya want for nothing?")[4..], sig[4..]);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"0.what do ya want for nothing?");
        assert_eq!(&sig[7..], hex(&mac.finalize().into_bytes()));
        assert_eq!(secret_from([0xab; 32]), format!("whsec_{}", "ab".repeat(32)));
    }
}
