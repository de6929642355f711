//! Loading `rules/*.toml` at start. A bad file stops start-up with an error that names
//! the file and the line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{HostPattern, Rules, SiteRules};

/// Why the rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The directory or a file could not be read.
    #[error("cannot read rules from {path}: {source}")]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    #[serde(default)]
    never_proxy: Vec<Spanned<String>>,
    #[serde(default)]
    drop_response_headers: Vec<Spanned<String>>,
    #[serde(default)]
    mask_selectors: Vec<Spanned<String>>,
}

/// Loads every `*.toml` of `dir` in name order. A missing directory means no rules.
pub fn load_dir(dir: &Path) -> Result<Rules, RulesError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Rules::default()),
        Err(source) => return Err(RulesError::Read { path: dir.to_owned(), source }),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| RulesError::Read { path: dir.to_owned(), source })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut sites = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Read { path: path.clone(), source })?;
        sites.push(parse_file(&path, &text)?);
    }
    Ok(Rules::new(sites))
}

/// Parses and validates one rule file.
pub fn parse_file(path: &Path, text: &str) -> Result<SiteRules, RulesError> {
    let invalid = |offset: usize, message: String| RulesError::Invalid {
        path: path.to_owned(),
        line: text[..offset.min(text.len())].matches('\n').count() + 1,
        message,
    };
    let file: RuleFile =
        toml::from_str(text).map_err(|e| invalid(e.span().map(|s| s.start).unwrap_or(0), e.message().to_owned()))?;
    let hosts = |list: &[Spanned<String>]| {
        list.iter()
            .map(|h| {
                HostPattern::parse(h.get_ref())
                    .ok_or_else(|| invalid(h.span().start, format!("{:?} is not a host name or *.suffix", h.get_ref())))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let mut site = SiteRules {
        source: path.display().to_string(),
        hosts: hosts(&file.hosts)?,
        never_proxy: hosts(&file.never_proxy)?,
        ..SiteRules::default()
    };
    for name in &file.drop_response_headers {
        let header = http::HeaderName::from_bytes(name.get_ref().trim().as_bytes())
            .map_err(|_| invalid(name.span().start, format!("{:?} is not a header name", name.get_ref())))?;
        site.drop_response_headers.push(header);
    }
    for selector in &file.mask_selectors {
        selector
            .get_ref()
            .parse::<lol_html::Selector>()
            .map_err(|e| invalid(selector.span().start, format!("bad selector {:?}: {e}", selector.get_ref())))?;
        site.mask_selectors.push(selector.get_ref().clone());
    }
    if site.hosts.is_empty() && (!site.drop_response_headers.is_empty() || !site.mask_selectors.is_empty()) {
        return Err(invalid(0, "drop_response_headers and mask_selectors need `hosts` to apply to".into()));
    }
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_rules_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        load_dir(&dir).expect("the shipped rules are valid");
    }

    #[test]
    fn errors_name_file_and_line() {
        let path = Path::new("rules/shop.toml");
        let err = parse_file(path, "hosts = [\"shop.test\"]\n\nmask_selectors = [\n  \".ok\",\n  \"[[bad\",\n]\n")
            .expect_err("bad selector");
        assert!(err.to_string().starts_with("rules/shop.toml:5: bad selector"), "{err}");
        let err = parse_file(path, "hosts = [\"shop.test\"]\nunknown = 1\n").expect_err("unknown key");
        assert!(err.to_string().starts_with("rules/shop.toml:2:"), "{err}");
        let err = parse_file(path, "hosts = [\"a b\"]\n").expect_err("bad host");
        assert!(err.to_string().contains("rules/shop.toml:1:"), "{err}");
        let err = parse_file(path, "drop_response_headers = [\"x\"]\n").expect_err("no hosts");
        assert!(err.to_string().contains("need `hosts`"), "{err}");
    }

    #[test]
    fn rules_apply_by_host() {
        let site = parse_file(
            Path::new("x.toml"),
            "hosts = [\"*.shop.test\"]\nnever_proxy = [\"pay.test\"]\ndrop_response_headers = [\"X-Robots-Tag\"]\nmask_selectors = [\".card\"]\n",
        )
        .expect("valid");
        let rules = Rules::new(vec![site]);
        assert!(rules.never_proxy("pay.test"));
        assert!(!rules.never_proxy("shop.test"));
        assert!(rules.drops_header("www.shop.test", &http::HeaderName::from_static("x-robots-tag")));
        assert!(!rules.drops_header("other.test", &http::HeaderName::from_static("x-robots-tag")));
        assert_eq!(rules.mask_selectors("www.shop.test").collect::<Vec<_>>(), vec![".card"]);
    }
}
