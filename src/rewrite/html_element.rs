//! What the HTML rewriter does to each element: the runtime before the first one, and
//! every URL-bearing attribute mapped (`integrity` dropped; `<base href>`, `<meta
//! http-equiv>` and `<iframe srcdoc>` read on the way).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lol_html::html_content::ContentType;
use lol_html::send::ElementContentHandlers;

use super::{Shared, handlers, lock};
use crate::injector::page_script_tag;
use crate::rewrite::css::rewrite_css;
use crate::rewrite::html_attrs::{decode_entities, escape_attribute, rewrite_srcset, rewrite_url_list};
use crate::rewrite::url::UrlMap;

/// How an attribute's value carries URLs.
#[derive(Clone, Copy)]
enum AttrKind {
    Url,
    SrcSet,
    UrlList,
    Style,
}

/// Attributes that carry URLs, on any element (`data` only on `<object>`).
const URL_ATTRIBUTES: &[(&str, AttrKind)] = &[
    ("href", AttrKind::Url),
    ("src", AttrKind::Url),
    ("srcset", AttrKind::SrcSet),
    ("imagesrcset", AttrKind::SrcSet),
    ("action", AttrKind::Url),
    ("formaction", AttrKind::Url),
    ("poster", AttrKind::Url),
    ("data", AttrKind::Url),
    ("background", AttrKind::Url),
    ("cite", AttrKind::Url),
    ("ping", AttrKind::UrlList),
    ("manifest", AttrKind::Url),
    ("xlink:href", AttrKind::Url),
    ("style", AttrKind::Style),
];

/// The one handler every element goes through: it puts the runtime before the first
/// element that can hold or run anything (inside `<head>`, or before whatever comes first
/// in documents without one), drops `integrity`, and maps each URL-bearing attribute.
/// It also reads `<base href>` and `<meta http-equiv>`: one pass over the attributes costs
/// less than a selector per attribute name, and each selector costs every element ~3% more
/// instructions (see BENCHMARKS.md), while the tag name is asked for only when one of
/// these attributes is there.
pub(super) fn element_handler(state: Shared, injected: Arc<AtomicBool>) -> ElementContentHandlers<'static> {
    ElementContentHandlers::default().element(move |el: &mut lol_html::send::Element| {
        if !injected.load(Ordering::Relaxed) {
            match el.tag_name().as_str() {
                "html" => {}
                "head" => {
                    el.prepend(page_script_tag(), ContentType::Html);
                    injected.store(true, Ordering::Relaxed);
                }
                _ => {
                    el.before(page_script_tag(), ContentType::Html);
                    injected.store(true, Ordering::Relaxed);
                }
            }
        }
        let mut mapped: Vec<(&'static str, String)> = Vec::new();
        let mut has_integrity = false;
        let mut has_http_equiv = false;
        // Of an attribute written twice, browsers keep the first; so is it here (and the
        // rewritten value goes to that first one).
        let mut seen = [false; URL_ATTRIBUTES.len()];
        let mut seen_srcdoc = false;
        for attribute in el.attributes() {
            let name = attribute.name();
            if name == "integrity" {
                has_integrity = true;
                continue;
            }
            if name == "srcdoc" && !seen_srcdoc && el.tag_name() == "iframe" {
                seen_srcdoc = true;
                if let Some(document) = handlers::rewrite_srcdoc(&lock(&state), &decode_entities(&attribute.value())) {
                    mapped.push(("srcdoc", document));
                }
                continue;
            }
            let Some(index) = URL_ATTRIBUTES.iter().position(|(n, _)| *n == name) else {
                has_http_equiv |= name == "http-equiv";
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                continue;
            }
            let (name, kind) = URL_ATTRIBUTES[index];
            let raw = attribute.value();
            let value = decode_entities(&raw);
            let mut state = lock(&state);
            // Only the first <base href> counts; it is read before any href is mapped. A
            // <base> is void: asking for that first spares an owned tag name for each <a>.
            if name == "href" && !state.base_seen && !el.can_have_content() && el.tag_name() == "base" {
                state.base_seen = true;
                state.urls.set_base(&value);
            }
            let map: &dyn UrlMap = &state.urls;
            let new = match kind {
                AttrKind::Url => map.map_url(&value),
                AttrKind::SrcSet => rewrite_srcset(&value, map),
                AttrKind::UrlList => rewrite_url_list(&value, map),
                AttrKind::Style => {
                    let mut css = String::new();
                    rewrite_css(&value, map, &mut css).then_some(css)
                }
            };
            if let Some(new) = new {
                mapped.push((name, new));
            }
        }
        if has_integrity {
            el.remove_attribute("integrity");
        }
        for (name, value) in mapped {
            if name == "data" && el.tag_name() != "object" {
                continue;
            }
            set_mapped(el, name, &value);
        }
        if has_http_equiv && el.tag_name() == "meta" {
            handlers::meta_http_equiv(el, &state);
        }
        Ok(())
    })
}

pub(super) fn set_mapped(el: &mut lol_html::send::Element, name: &str, value: &str) {
    // Names come from our own table, so they are always valid.
    let _ = el.set_attribute(name, &escape_attribute(value));
}
