//! What one rule file says, once validated.

/// A host name, or `*.suffix` for every name below `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// Any host ending in `.<suffix>`.
    Below(String),
}

impl HostPattern {
    /// Reads `shop.example` or `*.shop.example`; `None` if it is not a host name.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        let (below, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, text),
        };
        let valid = !name.is_empty()
            && name.split('.').all(|part| {
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        valid.then_some(if below { HostPattern::Below(name) } else { HostPattern::Exact(name) })
    }

    /// Whether `host` (lower case) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(name) => host.eq_ignore_ascii_case(name),
            HostPattern::Below(suffix) => host
                .len()
                .checked_sub(suffix.len() + 1)
                .is_some_and(|dot| host.as_bytes()[dot] == b'.' && host[dot + 1..].eq_ignore_ascii_case(suffix)),
        }
    }
}

/// The rules of one file.
#[derive(Debug, Clone, Default)]
pub struct SiteRules {
    /// Which file they came from.
    pub source: String,
    /// Upstream hosts the site rules apply to.
    pub hosts: Vec<HostPattern>,
    /// Hosts whose URLs are never mapped to labels, nor fetched, in any session.
    pub never_proxy: Vec<HostPattern>,
    /// Response headers removed from this site's responses.
    pub drop_response_headers: Vec<http::HeaderName>,
    /// CSS selectors of elements masked in the visitor's browser.
    pub mask_selectors: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_hosts_and_subdomains() {
        let below = HostPattern::parse("*.Shop.Example").expect("valid");
        assert!(below.matches("www.shop.example"));
        assert!(below.matches("a.b.shop.example"));
        assert!(!below.matches("shop.example"));
        assert!(!below.matches("evilshop.example"));
        assert!(HostPattern::parse("shop.example").expect("valid").matches("SHOP.example"));
        assert_eq!(HostPattern::parse("http://x/"), None);
        assert_eq!(HostPattern::parse("*."), None);
    }
}
