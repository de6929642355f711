//! What the HTML rewriter's element handler does for elements that need more than a URL
//! mapped: `<meta http-equiv>` (CSP dropped, refresh mapped) and an `<iframe srcdoc>`
//! attribute, which holds a document of its own.

use lol_html::send::Element;

use super::{HtmlFilter, HtmlOptions, PageState, Shared, lock, set_mapped};
use crate::rewrite::filter::run_split;
use crate::rewrite::html_attrs::{decode_entities, rewrite_refresh};

/// `srcdoc`s nested deeper than this are left as they are: each level holds one more
/// copy of the attribute in memory, and no real page nests documents this deep.
const MAX_SRCDOC_NESTING: usize = 4;

/// A `srcdoc` document (its decoded value), rewritten as a page of its own: URLs mapped
/// against the frame's base (its parent's, which about:srcdoc documents inherit) and the
/// runtime script first, so the frame runs it before its own scripts. The attribute is
/// already whole in memory (lol_html holds a tag until it ends, within its memory
/// limit), so it is rewritten in one piece. `None` keeps the value as it was.
pub(super) fn rewrite_srcdoc(state: &PageState, document: &str) -> Option<String> {
    if state.nesting >= MAX_SRCDOC_NESTING {
        tracing::debug!("srcdoc nested too deep; left as it is");
        return None;
    }
    let options = HtmlOptions { header_encoding: None, ..state.options };
    let mut filter = HtmlFilter::nested(state.urls.clone(), &options, state.nesting + 1)?;
    let out = run_split(&mut filter, document.as_bytes(), &[]).ok()?;
    String::from_utf8(out).ok()
}

/// `<meta http-equiv>`: a CSP is dropped (it would forbid the page's own labels and the
/// runtime), a refresh's URL mapped.
pub(super) fn meta_http_equiv(el: &mut Element, state: &Shared) {
    let Some(equiv) = el.get_attribute("http-equiv") else { return };
    let equiv = equiv.trim();
    if equiv.eq_ignore_ascii_case("content-security-policy") {
        // The element stays, emptied: a `<meta>` takes the parser out of `<svg>` or
        // `<math>`, so removing it would change how the rest of the page parses.
        el.remove_attribute("http-equiv");
        el.remove_attribute("content");
    } else if equiv.eq_ignore_ascii_case("refresh")
        && let Some(content) = el.get_attribute("content")
    {
        let mapped = rewrite_refresh(&decode_entities(&content), &lock(state).urls);
        if let Some(mapped) = mapped {
            set_mapped(el, "content", &mapped);
        }
    }
}
