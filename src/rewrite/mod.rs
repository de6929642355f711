//! Response rewriting: the URL mapper, the header rewriter and the body filters
//! (content decoding, HTML, CSS, import maps, and the runtime's worker part before worker scripts).

pub mod css;
pub mod decode;
pub mod encode;
pub mod filter;
pub mod headers;
pub mod html;
pub mod html_attrs;
pub mod importmap;
pub mod prefix;
pub mod url;

use decode::{Decoder, parse_content_encoding};
use filter::{BodyFilter, Chain};
use html::{HtmlFilter, HtmlOptions};

pub use self::url::{Mapping, UrlMap, UrlRewriter};

/// Bounds every body rewrite works within.
#[derive(Clone, Copy, Debug)]
pub struct RewriteLimits {
    /// Memory one HTML rewriter may hold.
    pub html_memory: usize,
    /// Largest CSS text held while waiting for a point to rewrite at.
    pub css_buffer: usize,
    /// Decoded bytes allowed per compressed byte.
    pub max_decompression_ratio: u64,
}

/// What a response body is, as far as rewriting goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// An HTML (or XHTML) document.
    Html,
    /// A stylesheet.
    Css,
    /// A worker's script: this text (the runtime's worker part) goes out before it.
    Prefixed(&'static str),
    /// Anything else: streamed untouched.
    Opaque,
}

/// Classifies a body by its `Content-Type`.
pub fn body_kind(content_type: Option<&str>) -> BodyKind {
    let Some(content_type) = content_type else { return BodyKind::Opaque };
    let essence = mime_essence(content_type);
    if essence.eq_ignore_ascii_case("text/html") || essence.eq_ignore_ascii_case("application/xhtml+xml") {
        BodyKind::Html
    } else if essence.eq_ignore_ascii_case("text/css") {
        BodyKind::Css
    } else {
        BodyKind::Opaque
    }
}

/// A `Content-Type`'s type and subtype, without parameters (case as written).
pub fn mime_essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

/// The encoding a `Content-Type`'s `charset` parameter names, if any.
pub fn charset_of(content_type: &str) -> Option<&'static encoding_rs::Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| encoding_rs::Encoding::for_label(value.trim().trim_matches('"').as_bytes()))
            .flatten()
    })
}

/// The filter a body of `kind` goes through, or `None` when it must stream untouched
/// (opaque types, unknown content codings, encodings the HTML parser cannot read).
pub fn body_filter(
    kind: BodyKind,
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    urls: UrlRewriter,
    limits: &RewriteLimits,
) -> Option<Box<dyn BodyFilter>> {
    let rewriter: Box<dyn BodyFilter> = match kind {
        BodyKind::Opaque => return None,
        BodyKind::Html => Box::new(HtmlFilter::new(
            urls,
            &HtmlOptions {
                header_encoding: content_type.and_then(charset_of),
                memory_limit: limits.html_memory,
                css_buffer_limit: limits.css_buffer,
            },
        )?),
        BodyKind::Css => Box::new(css::CssStreamRewriter::new(urls, limits.css_buffer)),
        BodyKind::Prefixed(prefix) => Box::new(prefix::PrefixFilter::new(prefix)),
    };
    decoded(rewriter, content_encoding, limits)
}

/// `rewriter` behind the decoders of `content_encoding` (undone last to first), so that it
/// reads the body as the upstream wrote it; `None` for a coding Tandem cannot decode.
pub fn decoded(
    rewriter: Box<dyn BodyFilter>,
    content_encoding: Option<&str>,
    limits: &RewriteLimits,
) -> Option<Box<dyn BodyFilter>> {
    let codings = parse_content_encoding(content_encoding.unwrap_or(""))?;
    // Codings were applied in header order, so they are undone last to first.
    let mut decoders = codings.iter().rev().map(|&c| Decoder::new(c, limits.max_decompression_ratio));
    let decoder: Option<Box<dyn BodyFilter>> = match decoders.next() {
        None => None,
        Some(first) => {
            let mut chained: Box<dyn BodyFilter> = Box::new(first.ok()?);
            for next in decoders {
                chained = Box::new(Chain::new(chained, next.ok()?));
            }
            Some(chained)
        }
    };
    Some(match decoder {
        Some(decoder) => Box::new(Chain::new(decoder, rewriter)),
        None => rewriter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_charsets() {
        assert_eq!(body_kind(Some("text/html; charset=utf-8")), BodyKind::Html);
        assert_eq!(body_kind(Some("TEXT/CSS")), BodyKind::Css);
        assert_eq!(body_kind(Some("application/javascript")), BodyKind::Opaque);
        assert_eq!(body_kind(None), BodyKind::Opaque);
        assert_eq!(charset_of("text/html; charset=\"windows-1251\""), Some(encoding_rs::WINDOWS_1251));
        assert_eq!(charset_of("text/html"), None);
    }
}
