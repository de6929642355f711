//! The origin model: which browser origin serves which (session, upstream origin) pair,
//! and how a browser proves it belongs to a session.

pub mod binding;
pub mod label;
pub mod sweep;

use url::Url;

pub use label::{DecodedLabel, SessionId, UpstreamOrigin};

/// The public origin whose host is the content zone, e.g. `http://proxy.localhost:8080`.
/// Every proxied origin is served at `<scheme>://<label>.<zone><port>`.
#[derive(Clone, Debug)]
pub struct ContentOrigin {
    secure: bool,
    zone: String,
    /// `":8080"`, or empty for the scheme's default port.
    port_suffix: String,
}

impl ContentOrigin {
    /// Reads the configured `content_origin`.
    pub fn new(origin: &Url) -> Self {
        ContentOrigin {
            secure: origin.scheme() == "https",
            zone: origin.host_str().unwrap_or_default().to_ascii_lowercase(),
            port_suffix: origin.port().map(|p| format!(":{p}")).unwrap_or_default(),
        }
    }

    /// The zone's host name.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// Whether browsers reach the zone over https.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The label of a request's `Host` (port ignored), if it names one directly below the zone.
    pub fn label_of_host<'h>(&self, host: &'h str) -> Option<&'h str> {
        let name = strip_port(host);
        let label = name.strip_suffix(self.zone.as_str())?.strip_suffix('.')?;
        (!label.is_empty() && !label.contains('.')).then_some(label)
    }

    /// Appends `<scheme>://<label>.<zone><port>` to `out`; `websocket` picks ws/wss.
    pub fn write_origin(&self, label: &str, websocket: bool, out: &mut String) {
        out.push_str(match (websocket, self.secure) {
            (false, false) => "http://",
            (false, true) => "https://",
            (true, false) => "ws://",
            (true, true) => "wss://",
        });
        out.push_str(label);
        out.push('.');
        out.push_str(&self.zone);
        out.push_str(&self.port_suffix);
    }

    /// `<scheme>://<label>.<zone><port>` as a new string.
    pub fn origin_of(&self, label: &str) -> String {
        let mut out = String::new();
        self.write_origin(label, false, &mut out);
        out
    }
}

/// `host:port` → `host`, keeping IPv6 brackets intact.
pub fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_found_only_directly_below_the_zone() {
        let zone = ContentOrigin::new(&Url::parse("http://proxy.localhost:8080").expect("url"));
        assert_eq!(zone.label_of_host("abc.proxy.localhost:8080"), Some("abc"));
        assert_eq!(zone.label_of_host("abc.proxy.localhost"), Some("abc"));
        assert_eq!(zone.label_of_host("a.b.proxy.localhost"), None);
        assert_eq!(zone.label_of_host("proxy.localhost"), None);
        assert_eq!(zone.label_of_host("abcproxy.localhost"), None);
        assert_eq!(zone.origin_of("abc"), "http://abc.proxy.localhost:8080");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
    }
}
