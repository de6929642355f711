//! The origin model: which browser origin serves which (session, upstream origin) pair,
//! and how a browser proves it belongs to a session.

pub mod binding;
pub mod label;
pub mod sweep;

use url::Url;

pub use label::{DecodedLabel, SessionId, UpstreamOrigin};

/// The name, directly below the zone, of the visitor's panel (`crate::live::panel`):
/// Tandem's own UI on the visitor's pages, on an origin that no label can ever be. A
/// label starts with a session id of [`label::SESSION_ID_LEN`] characters, so a shorter
/// name never decodes as one: no proxied page is ever same-origin with the panel.
pub const PANEL_NAME: &str = "tandem";

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

    /// Whether `name` (lower case, no port) is the zone or a name below it: a request
    /// for the proxy rather than the control side.
    pub fn holds(&self, name: &str) -> bool {
        name.strip_suffix(self.zone.as_str()).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
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

    /// The origin of the visitor's panel, `<scheme>://tandem.<zone><port>`.
    pub fn panel_origin(&self) -> String {
        self.origin_of(PANEL_NAME)
    }

    /// Whether a request's `Host` names the visitor's panel.
    pub fn is_panel_host(&self, host: &str) -> bool {
        self.label_of_host(host).is_some_and(|name| name.eq_ignore_ascii_case(PANEL_NAME))
    }
}

/// The host a request is for, from `Host` or, for HTTP/2, the URI's authority.
pub fn request_host<'a>(headers: &'a http::HeaderMap, uri: &'a http::Uri) -> Option<&'a str> {
    headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()))
}

/// [`request_host`] without its port, in lower case (host names are case-insensitive).
pub fn request_host_name(headers: &http::HeaderMap, uri: &http::Uri) -> String {
    strip_port(request_host(headers, uri).unwrap_or_default()).to_ascii_lowercase()
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

    #[test]
    fn the_panels_name_is_never_a_label() {
        assert!(PANEL_NAME.len() < label::SESSION_ID_LEN);
        assert_eq!(label::decode(PANEL_NAME), None);
        let zone = ContentOrigin::new(&Url::parse("https://proxy.example.com").expect("url"));
        assert_eq!(zone.panel_origin(), "https://tandem.proxy.example.com");
        assert!(zone.is_panel_host("tandem.proxy.example.com") && zone.is_panel_host("TANDEM.proxy.example.com:443"));
        assert!(!zone.is_panel_host("abcd2345h-tandem.proxy.example.com") && !zone.is_panel_host("tandem.example.com"));
    }
}
