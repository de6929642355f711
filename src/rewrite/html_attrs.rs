//! The small grammars inside HTML attribute values that carry URLs: entity-encoded
//! values, `srcset` candidate lists, space-separated URL lists (`ping`) and
//! `<meta http-equiv=refresh>` / `Refresh:` content.

use std::borrow::Cow;

use super::url::UrlMap;

/// Longest named character reference looked at (`&CounterClockwiseContourIntegral;` is 33).
const MAX_REFERENCE_LEN: usize = 40;

/// Decodes character references as browsers do in attribute values: numeric ones with
/// or without their `;` (`https&#58//elsewhere/` is an absolute URL to a browser), named
/// ones when they end in `;`. Named references without one are left as they are: in
/// attribute values browsers do so too before `=` or alphanumerics (so `?a=1&copy=2`
/// stays a query string), and the few they read elsewhere make no character that
/// matters to a URL's origin.
pub fn decode_entities(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let candidate = &rest[amp..];
        let used = if let Some((c, used)) = numeric_reference(candidate) {
            out.push(c);
            used
        } else if let Some(end) = named_reference_end(candidate) {
            out.push_str(&html_escape::decode_html_entities(&candidate[..end]));
            end
        } else {
            out.push('&');
            1
        };
        rest = &candidate[used..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `&#58`, `&#x3a;`, `&#0000058`: the character and the length of the reference that
/// `candidate` starts with, if it is a numeric one.
fn numeric_reference(candidate: &str) -> Option<(char, usize)> {
    let body = candidate.strip_prefix("&#")?;
    let (radix, start) = match body.as_bytes().first() {
        Some(b'x' | b'X') => (16, 1),
        _ => (10, 0),
    };
    let digits: &str = &body[start..];
    let count = digits.bytes().take_while(|b| (*b as char).is_digit(radix)).count();
    if count == 0 {
        return None;
    }
    let code = digits[..count]
        .chars()
        .fold(0u32, |code, d| code.saturating_mul(radix).saturating_add(d.to_digit(radix).unwrap_or(0)));
    let end = 2 + start + count;
    let used = if candidate.as_bytes().get(end) == Some(&b';') { end + 1 } else { end };
    Some((reference_char(code), used))
}

/// The character a numeric reference stands for, as browsers read it: C1 codes as in
/// windows-1252, and U+FFFD for NUL, surrogates and codes past Unicode.
fn reference_char(code: u32) -> char {
    match code {
        0x80..=0x9f => {
            let byte = [u8::try_from(code).unwrap_or(0)];
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte).0.chars().next().unwrap_or('\u{fffd}')
        }
        0 => '\u{fffd}',
        _ => char::from_u32(code).unwrap_or('\u{fffd}'),
    }
}

/// The length of the named reference ending in `;` that `candidate` starts with, if any.
fn named_reference_end(candidate: &str) -> Option<usize> {
    candidate
        .char_indices()
        .take(MAX_REFERENCE_LEN)
        .skip(1)
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '#'))
        .filter(|&(_, c)| c == ';')
        .map(|(i, _)| i + 1)
}

/// Escapes a value for a double-quoted attribute: `&` and `"`.
pub fn escape_attribute(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '"']) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.replace('&', "&amp;").replace('"', "&quot;"))
}

/// Maps each URL of a `srcset`/`imagesrcset` candidate list, keeping descriptors,
/// commas and spacing as they were.
pub fn rewrite_srcset(value: &str, map: &dyn UrlMap) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len() + 64);
    let mut changed = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_whitespace() || bytes[pos] == b',') {
            pos += 1;
        }
        out.push_str(&value[start..pos]);
        if pos == bytes.len() {
            break;
        }
        let url_start = pos;
        while pos < bytes.len() && !bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let mut url_end = pos;
        // A URL followed directly by commas ends the candidate; the commas separate.
        while url_end > url_start && bytes[url_end - 1] == b',' {
            url_end -= 1;
        }
        let descriptors_end = if url_end < pos {
            url_end
        } else {
            let mut depth = 0usize;
            while pos < bytes.len() && !(bytes[pos] == b',' && depth == 0) {
                match bytes[pos] {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                pos += 1;
            }
            pos
        };
        let url = &value[url_start..url_end];
        match map.map_url(url) {
            Some(mapped) => {
                out.push_str(&mapped);
                changed = true;
            }
            None => out.push_str(url),
        }
        out.push_str(&value[url_end..descriptors_end]);
        pos = descriptors_end;
    }
    changed.then_some(out)
}

/// Maps each URL of a space-separated list (`ping`).
pub fn rewrite_url_list(value: &str, map: &dyn UrlMap) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(value.len() + 64);
    let mut last = 0;
    for (start, part) in split_whitespace_indices(value) {
        out.push_str(&value[last..start]);
        match map.map_url(part) {
            Some(mapped) => {
                out.push_str(&mapped);
                changed = true;
            }
            None => out.push_str(part),
        }
        last = start + part.len();
    }
    out.push_str(&value[last..]);
    changed.then_some(out)
}

fn split_whitespace_indices(value: &str) -> impl Iterator<Item = (usize, &str)> {
    value
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .map(move |p| (p.as_ptr() as usize - value.as_ptr() as usize, p))
}

/// Maps the URL in refresh content such as `5; url='https://x/'`.
pub fn rewrite_refresh(value: &str, map: &dyn UrlMap) -> Option<String> {
    let bytes = value.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() && (bytes[pos].is_ascii_digit() || bytes[pos] == b'.' || bytes[pos].is_ascii_whitespace()) {
        pos += 1;
    }
    if pos < bytes.len() && matches!(bytes[pos], b';' | b',') {
        pos += 1;
    }
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    // Bytes, not `str` slices: `pos + 3` may fall inside a character.
    if bytes.get(pos..pos + 3).is_some_and(|word| word.eq_ignore_ascii_case(b"url")) {
        let mut after = pos + 3;
        while after < bytes.len() && bytes[after].is_ascii_whitespace() {
            after += 1;
        }
        if after < bytes.len() && bytes[after] == b'=' {
            pos = after + 1;
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
        }
    }
    let mut url = &value[pos..];
    let mut closing = "";
    if let Some(quote @ (b'\'' | b'"')) = bytes.get(pos) {
        pos += 1;
        url = &value[pos..];
        if let Some(end) = url.find(*quote as char) {
            closing = &url[end..];
            url = &url[..end];
        }
    }
    let mapped = map.map_url(url)?;
    Some(format!("{}{mapped}{closing}", &value[..pos]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Maps absolute http(s) URLs to `http://P/<rest>` so tests read easily.
    pub(crate) struct Marker;

    impl UrlMap for Marker {
        fn map_url(&self, raw: &str) -> Option<String> {
            let raw = raw.trim();
            raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://")).map(|rest| format!("http://P/{rest}"))
        }
    }

    #[test]
    fn entities_are_decoded_only_when_terminated() {
        assert_eq!(decode_entities("/a?x=1&amp;y=2"), "/a?x=1&y=2");
        assert_eq!(decode_entities("https&#x3a;//a&#47;b"), "https://a/b");
        assert_eq!(decode_entities("?a=1&copy=2&amp"), "?a=1&copy=2&amp");
        assert_eq!(decode_entities("&notanentity;"), "&notanentity;");
        assert_eq!(escape_attribute("a?b=1&c=\"2\""), "a?b=1&amp;c=&quot;2&quot;");
    }

    /// Found by `fuzz/fuzz_targets/html.rs`: a character of two or more bytes where
    /// `url` could start (`<meta http-equiv=refresh content="0;é">`) made the rewriter
    /// slice a `str` inside it and panic, which dropped the page.
    #[test]
    fn refresh_content_with_a_wide_character_where_url_may_start_does_not_panic() {
        assert_eq!(rewrite_refresh("0;é", &Marker), None);
        assert_eq!(rewrite_refresh("0; u\u{20ac}", &Marker), None);
        assert_eq!(rewrite_refresh("0; ur\u{20ac}=https://a/", &Marker), None);
        assert_eq!(rewrite_refresh("0;€https://a/", &Marker), None);
        assert_eq!(rewrite_refresh("0; URL=https://a/é", &Marker).as_deref(), Some("0; URL=http://P/a/é"));
    }

    /// Found by `fuzz/fuzz_targets/html.rs`: `href="https&#58//elsewhere.test/"` is an
    /// absolute URL to a browser, which reads numeric references without their `;` (and
    /// with any number of digits), but the rewriter left it as a relative one, unmapped.
    #[test]
    fn numeric_references_without_a_semicolon_are_read_as_browsers_read_them() {
        assert_eq!(decode_entities("https&#58//elsewhere.test/"), "https://elsewhere.test/");
        assert_eq!(decode_entities("https&#x3A&#X2f/e"), "https://e");
        assert_eq!(decode_entities(&format!("https&#{}58;//e", "0".repeat(64))), "https://e");
        assert_eq!(
            decode_entities("&#128;&#x9d;&#0;&#xD800;&#x110000;&#99999999999999"),
            "\u{20ac}\u{9d}\u{fffd}\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(decode_entities("a&#b&#x;&#;c"), "a&#b&#x;&#;c");
    }

    #[test]
    fn srcset_keeps_descriptors_and_separators() {
        assert_eq!(
            rewrite_srcset(" https://a/x.png 1x,/rel.png 2x, https://b/y,z.png 640w ", &Marker).as_deref(),
            Some(" http://P/a/x.png 1x,/rel.png 2x, http://P/b/y,z.png 640w ")
        );
        // Without whitespace after it, a comma is part of the URL, as browsers read it.
        assert_eq!(
            rewrite_srcset("https://a/x.png,https://b/y.png", &Marker).as_deref(),
            Some("http://P/a/x.png,https://b/y.png")
        );
        assert_eq!(rewrite_srcset("a.png 1x, b.png 2x", &Marker), None);
        assert_eq!(rewrite_srcset("", &Marker), None);
        assert_eq!(rewrite_srcset(",,,", &Marker), None);
    }

    #[test]
    fn url_lists_and_refresh() {
        assert_eq!(rewrite_url_list("/p  https://a/p", &Marker).as_deref(), Some("/p  http://P/a/p"));
        assert_eq!(rewrite_refresh("5; url=https://a/b", &Marker).as_deref(), Some("5; url=http://P/a/b"));
        assert_eq!(rewrite_refresh("0;URL='https://a/b'", &Marker).as_deref(), Some("0;URL='http://P/a/b'"));
        assert_eq!(rewrite_refresh("3, https://a/", &Marker).as_deref(), Some("3, http://P/a/"));
        assert_eq!(rewrite_refresh("5", &Marker), None);
        assert_eq!(rewrite_refresh("5; url=/local", &Marker), None);
    }
}
