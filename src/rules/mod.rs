//! Per-site rules from `rules/*.toml`: hosts never to proxy, extra response headers to
//! drop, and CSS selectors whose content the capture script masks.

mod load;
mod model;

pub use load::{RulesError, load_dir};
pub use model::{HostPattern, SiteRules};

/// Every rule file, loaded and validated.
#[derive(Debug, Default)]
pub struct Rules {
    sites: Vec<SiteRules>,
}

impl Rules {
    /// Rules made of the given sites.
    pub fn new(sites: Vec<SiteRules>) -> Self {
        Rules { sites }
    }

    /// Whether URLs to `host` are to be left pointing at the real site.
    pub fn never_proxy(&self, host: &str) -> bool {
        self.sites.iter().flat_map(|s| &s.never_proxy).any(|p| p.matches(host))
    }

    /// Sites whose `hosts` match `host`.
    pub fn for_host<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a SiteRules> + 'a {
        self.sites.iter().filter(move |s| s.hosts.iter().any(|p| p.matches(host)))
    }

    /// Whether a response header from `host` is to be dropped by rule.
    pub fn drops_header(&self, host: &str, name: &http::HeaderName) -> bool {
        self.for_host(host).any(|s| s.drop_response_headers.contains(name))
    }

    /// Selectors to mask on pages of `host`.
    pub fn mask_selectors<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.for_host(host).flat_map(|s| s.mask_selectors.iter().map(String::as_str))
    }
}
