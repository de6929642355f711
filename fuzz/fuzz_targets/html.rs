//! The HTML body filter (`rewrite::body_filter` for `text/html`, i.e. `rewrite/html.rs`
//! behind its charset handling), fed a document in one piece and at the input's chunk
//! boundaries. Invariants:
//! - the output is the same at any chunking (or both runs fail);
//! - read back as a browser would (UTF-8 documents), the first script of the document,
//!   and of every `srcdoc` document the rewriter goes into, is the runtime (a document
//!   with no element that ends inside a tag or comment may have none: no script either);
//! - no URL attribute Tandem maps takes the browser out of the content zone.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use lol_html::{HtmlRewriter, Settings, element};
use tandem::config::{DEFAULT_CSS_BUFFER, DEFAULT_HTML_REWRITER_MEMORY, DEFAULT_MAX_DECOMPRESSION_RATIO};
use tandem::injector::PAGE_RUNTIME_PATH;
use tandem::rewrite::{BodyKind, RewriteLimits, UrlMap, body_filter};
use tandem_fuzz::{Chunked, lossy, rewriter, same_at_any_chunking};
use url::Url;

/// `Content-Type` charsets the options byte picks from (`None`: no parameter). Two are
/// not ASCII-compatible: those bodies must pass through untouched.
const CHARSETS: [Option<&str>; 8] = [
    None,
    Some("utf-8"),
    Some("windows-1251"),
    Some("shift_jis"),
    Some("gb18030"),
    Some("iso-2022-jp"),
    Some("utf-16le"),
    Some("windows-1252"),
];

/// The page the document was fetched from.
const BASE: &str = "https://shop.test/dir/page.html";

/// The attributes Tandem maps that hold one URL (`data` only on `<object>`), and `ping`'s list.
const URL_ATTRIBUTES: [&str; 10] =
    ["href", "src", "action", "formaction", "poster", "background", "cite", "manifest", "xlink:href", "data"];

/// Documents inside `srcdoc`s are rewritten this deep (see `rewrite/html_handlers.rs`).
const MAX_SRCDOC_NESTING: usize = 4;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Chunked::parse(data) else { return };
    let charset = CHARSETS[usize::from(input.options & 7)];
    // Small buffers for `<style>` text reach the pass-through path, which must not depend on chunking either.
    let css_buffer = if input.options & 8 != 0 { usize::from(input.options >> 4) * 4 } else { DEFAULT_CSS_BUFFER };
    let limits = RewriteLimits {
        html_memory: DEFAULT_HTML_REWRITER_MEMORY,
        css_buffer,
        max_decompression_ratio: DEFAULT_MAX_DECOMPRESSION_RATIO,
    };
    let content_type = charset.map(|c| format!("text/html; charset={c}"));
    let urls = rewriter(BASE);
    let make = || body_filter(BodyKind::Html, content_type.as_deref(), None, urls.clone(), &limits);
    if make().is_none() {
        return;
    }
    let made = || make().unwrap_or_else(|| unreachable!("the filter was made once"));
    let Ok(out) = same_at_any_chunking(made, input.document, &input.splits) else { return };
    // The checks below read the output as UTF-8, which is what the browser does only
    // when neither the header nor the document names another charset.
    let utf8 = matches!(charset, None | Some("utf-8"));
    if !utf8 || out.windows(7).any(|w| w.eq_ignore_ascii_case(b"charset")) {
        return;
    }
    let browser_base = Url::parse(&urls.map_url(BASE).expect("the base maps")).expect("a label URL");
    check_document(&lossy(&out), &browser_base, 0);
});

/// Reads a rewritten document back: its first script must be the runtime, no mapped URL
/// attribute may leave the zone, and the `srcdoc` documents it holds obey the same.
/// `fallback_base` is what URLs resolve against without a `<base href>`: the page's
/// label, which `srcdoc` documents inherit.
fn check_document(html: &str, fallback_base: &Url, nesting: usize) {
    let scripts: RefCell<Vec<Option<String>>> = RefCell::new(Vec::new());
    let srcdocs: RefCell<Vec<String>> = RefCell::new(Vec::new());
    // (tag, attribute, URL) of every URL Tandem maps, checked once the base is known.
    let urls: RefCell<Vec<(String, String, String)>> = RefCell::new(Vec::new());
    let base: RefCell<Option<String>> = RefCell::new(None);
    let mut reader = HtmlRewriter::new(
        Settings::new().with_strict(false).append_element_content_handler(element!("*", |el| {
            let tag = el.tag_name();
            if tag == "script" {
                scripts.borrow_mut().push(el.get_attribute("src"));
            }
            // Browsers keep the first of a repeated attribute and ignore the rest.
            let mut seen = Vec::new();
            for attribute in el.attributes() {
                let name = attribute.name();
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name.clone());
                let value = browser_decode(&attribute.value());
                if tag == "base" && name == "href" && base.borrow().is_none() {
                    *base.borrow_mut() = Some(value.clone());
                }
                if name == "srcdoc" && tag == "iframe" {
                    srcdocs.borrow_mut().push(value);
                } else if name == "ping" {
                    let each = value.split_ascii_whitespace().map(|u| (tag.clone(), name.clone(), u.to_owned()));
                    urls.borrow_mut().extend(each);
                } else if URL_ATTRIBUTES.contains(&name.as_str()) && (name != "data" || tag == "object") {
                    urls.borrow_mut().push((tag.clone(), name, value));
                }
            }
            Ok(())
        })),
        |_: &[u8]| {},
    );
    // The rewriter already read this document without a memory limit error.
    let _ = reader.write(html.as_bytes()).and_then(|()| reader.end());
    let scripts = scripts.into_inner();
    if let Some(first) = scripts.first() {
        let runtime = first.as_deref().is_some_and(|src| src.starts_with(PAGE_RUNTIME_PATH));
        assert!(runtime, "a page script runs before the runtime (nesting {nesting}): {html:?}");
    }
    // The first `<base href>` counts, unless it is a data: or javascript: URL.
    let document_base = base
        .into_inner()
        .and_then(|href| fallback_base.join(&href).ok())
        .filter(|u| !matches!(u.scheme(), "data" | "javascript"))
        .unwrap_or_else(|| fallback_base.clone());
    for (tag, attribute, value) in urls.into_inner() {
        stays_in_zone(&document_base, &tag, &attribute, &value);
    }
    if nesting < MAX_SRCDOC_NESTING {
        for srcdoc in srcdocs.into_inner() {
            check_document(&srcdoc, &document_base, nesting + 1);
        }
    }
}

/// Asserts that `value`, resolved as the browser resolves it against the document's
/// base, does not name a web origin outside the zone.
fn stays_in_zone(base: &Url, tag: &str, attribute: &str, value: &str) {
    let Ok(resolved) = base.join(value) else { return };
    if !matches!(resolved.scheme(), "http" | "https" | "ws" | "wss") {
        return;
    }
    let in_zone = resolved.host_str().is_some_and(|h| h.ends_with(".proxy.localhost"))
        && resolved.port_or_known_default() == Some(8080);
    assert!(in_zone, "<{tag} {attribute}={value:?}> leaves the zone for {resolved}");
}

/// An attribute value's character references, decoded as browsers decode them, apart
/// from Tandem's own decoder: numeric references also without their `;`, named ones
/// (through `html_escape`) when they end in `;`; the legacy named references browsers
/// also take without `;` never make a character that matters to a URL's origin.
fn browser_decode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let (decoded, used) = reference(rest);
        match decoded {
            Some(text) => out.push_str(&text),
            None => out.push_str(&rest[..used]),
        }
        rest = &rest[used..];
    }
    out.push_str(rest);
    out
}

/// The reference `text` starts with (at its `&`): what it stands for, and its length.
fn reference(text: &str) -> (Option<String>, usize) {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = bytes[start..].iter().take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() });
        let end = start + digits.count();
        if end == start {
            return (None, 1);
        }
        let code = u32::from_str_radix(&text[start..end], if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
        let c = match code {
            0 => '\u{fffd}',
            // C1 codes are read as windows-1252.
            0x80..=0x9f => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&[code as u8])
                .0
                .chars()
                .next()
                .unwrap_or('\u{fffd}'),
            _ => char::from_u32(code).unwrap_or('\u{fffd}'),
        };
        let used = if bytes.get(end) == Some(&b';') { end + 1 } else { end };
        return (Some(c.to_string()), used);
    }
    let name_end = 1 + bytes[1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if bytes.get(name_end) == Some(&b';') {
        let reference = &text[..=name_end];
        let decoded = html_escape::decode_html_entities(reference);
        if decoded != reference {
            return (Some(decoded.into_owned()), name_end + 1);
        }
    }
    (None, 1)
}
