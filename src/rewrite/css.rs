//! CSS rewriting: owns finding every URL a piece of CSS makes the browser fetch and replacing it
//! with what the session's [`UrlMap`] says, for whole pieces of CSS ([`rewrite_css`]: stylesheet
//! segments, `<style>` text, `style=""` values) and for streamed `text/css` bodies
//! ([`CssStreamRewriter`]).
//!
//! Rewritten: `url(...)` (unquoted and quoted), the string right after `@import`, and the strings
//! directly inside `image-set()` / `-webkit-image-set()`. Not rewritten: `@namespace` URLs (they are
//! identifiers, never fetched), other strings, comments, and unterminated tokens at end of input.
//! Everything that is not a rewritten URL is copied from the source by position, byte for byte.
//!
//! The token stream comes from cssparser's tokenizer through `Parser`, its only public interface
//! (`Parser::next_including_whitespace_and_comments` hands out raw tokens with their positions).

use super::url::UrlMap;

use cssparser::{ParseError, Parser, ParserInput, Token};

#[path = "css_scan.rs"]
mod css_scan;
#[path = "css_stream.rs"]
mod stream;

pub use stream::CssStreamRewriter;

/// Blocks nested deeper than this are copied without looking inside: the walk recurses per block,
/// and hostile input must not be able to exhaust the stack. Real stylesheets nest a few levels.
const MAX_DEPTH: usize = 128;

/// Rewrites a complete piece of CSS (a stylesheet segment, the text of a `<style>` element, or a
/// `style=""` attribute value). Appends the result to `out`. Returns true if anything was changed.
///
/// The result is CSS text: a caller putting it into an HTML attribute must still HTML-escape it.
/// Mapped URLs are written with `<` and `>` escaped, so they cannot close a `<style>` element.
pub fn rewrite_css(input: &str, map: &dyn UrlMap, out: &mut String) -> bool {
    if !may_hold_url(input.as_bytes()) {
        out.push_str(input);
        return false;
    }
    rewrite_tokens(input, map, out)
}

/// [`rewrite_css`] past its quick check: the walk over cssparser's tokens.
fn rewrite_tokens(input: &str, map: &dyn UrlMap, out: &mut String) -> bool {
    let mut w = Splicer { input, map, out, copied: 0, changed: false };
    let mut parser_input = ParserInput::new(input);
    let mut parser = Parser::new(&mut parser_input);
    walk(&mut parser, Context::Plain, 0, &mut w);
    w.out.push_str(input.get(w.copied..).unwrap_or_default());
    w.changed
}

/// Whether `css` may hold a URL to rewrite: `url(`, `image-set(` (also `-webkit-image-set(`)
/// or an at-rule (`@import`), in any case, or an escape that could spell one of them. Most
/// declarations hold none (`rgba(`, `var(` and `calc(` are common), and the stream rewriter
/// asks once per declaration, so this must cost far less than tokenizing.
fn may_hold_url(css: &[u8]) -> bool {
    if memchr::memchr2(b'@', b'\\', css).is_some() {
        return true;
    }
    memchr::memchr_iter(b'(', css).any(|open| {
        let name = &css[..open];
        let ends_with = |suffix: &[u8]| {
            name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        };
        ends_with(b"url") || ends_with(b"image-set")
    })
}

/// What a string token means in the block being walked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Plain,
    /// Inside `url(`: the first token is the URL string.
    UrlFunction,
    /// Inside `image-set(`: every direct string is a URL.
    ImageSet,
}

/// Copies the source to `out`, splicing in replacements at token positions.
struct Splicer<'a> {
    input: &'a str,
    map: &'a dyn UrlMap,
    out: &'a mut String,
    /// Source bytes before this index are already in `out`.
    copied: usize,
    changed: bool,
}

impl Splicer<'_> {
    /// `url(x)` token spanning `start..end`, with `value` already unescaped by the tokenizer.
    fn unquoted_url(&mut self, start: usize, end: usize, value: &str) {
        let Some(source) = self.input.get(start..end) else {
            return;
        };
        let Some(open) = source.find('(') else { return };
        if !is_terminated(source, b')') {
            return;
        }
        if let Some(mapped) = self.map.map_url(value) {
            // Keep the author's spelling of `url(`; the value becomes a quoted string because an
            // unquoted URL cannot hold every character a mapped URL may contain.
            let mut text = String::with_capacity(mapped.len() + open + 4);
            text.push_str(&source[..=open]);
            push_css_string(&mut text, &mapped, b'"');
            text.push(')');
            self.splice(start, end, &text);
        }
    }

    /// String token spanning `start..end` that is known to be a URL.
    fn url_string(&mut self, start: usize, end: usize, value: &str) {
        let Some(source) = self.input.get(start..end) else {
            return;
        };
        let Some(&quote) = source.as_bytes().first() else {
            return;
        };
        if source.len() < 2 || !is_terminated(source, quote) {
            return;
        }
        if let Some(mapped) = self.map.map_url(value) {
            let mut text = String::with_capacity(mapped.len() + 2);
            push_css_string(&mut text, &mapped, quote);
            self.splice(start, end, &text);
        }
    }

    fn splice(&mut self, start: usize, end: usize, text: &str) {
        let (Some(before), Some(original)) = (self.input.get(self.copied..start), self.input.get(start..end)) else {
            return;
        };
        self.out.push_str(before);
        self.out.push_str(text);
        self.changed |= text != original;
        self.copied = end;
    }
}

/// Walks one block's tokens, rewriting URLs and recursing into nested blocks.
fn walk(parser: &mut Parser<'_, '_>, context: Context, depth: usize, w: &mut Splicer<'_>) {
    let mut import_pending = false;
    let mut in_namespace = false;
    let mut first_significant = true;
    loop {
        let start = parser.position().byte_index();
        let token = match parser.next_including_whitespace_and_comments() {
            Ok(token) => token.clone(),
            Err(_) => return,
        };
        let end = parser.position().byte_index();

        let significant = !matches!(token, Token::WhiteSpace(_) | Token::Comment(_));
        let is_first = first_significant && significant;
        let after_import = import_pending && significant;
        if significant {
            first_significant = false;
            import_pending = false;
        }

        match token {
            Token::UnquotedUrl(ref value) if !in_namespace => w.unquoted_url(start, end, value),
            Token::QuotedString(ref value) => {
                let is_url =
                    after_import || context == Context::ImageSet || (context == Context::UrlFunction && is_first);
                if is_url {
                    w.url_string(start, end, value);
                }
            }
            Token::Function(ref name) => {
                let inner = if name.eq_ignore_ascii_case("url") && !in_namespace {
                    Context::UrlFunction
                } else if name.eq_ignore_ascii_case("image-set") || name.eq_ignore_ascii_case("-webkit-image-set") {
                    Context::ImageSet
                } else {
                    Context::Plain
                };
                nested(parser, inner, depth, w);
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => {
                nested(parser, Context::Plain, depth, w);
            }
            Token::CurlyBracketBlock => {
                in_namespace = false;
                nested(parser, Context::Plain, depth, w);
            }
            Token::Semicolon | Token::CloseCurlyBracket => in_namespace = false,
            Token::AtKeyword(ref name) => {
                import_pending = name.eq_ignore_ascii_case("import");
                in_namespace = name.eq_ignore_ascii_case("namespace");
            }
            _ => {}
        }
    }
}

/// Walks the block whose opening token was just returned; past `MAX_DEPTH` the parser skips it.
fn nested(parser: &mut Parser<'_, '_>, context: Context, depth: usize, w: &mut Splicer<'_>) {
    let _ignored: Result<(), ParseError<'_, ()>> = parser.parse_nested_block(|inner| {
        if depth < MAX_DEPTH {
            walk(inner, context, depth + 1, w);
        }
        Ok(())
    });
}

/// True if `source` (a whole token) ends with an unescaped `close`, rather than at end of input.
fn is_terminated(source: &str, close: u8) -> bool {
    let bytes = source.as_bytes();
    let Some((&last, body)) = bytes.split_last() else {
        return false;
    };
    // A backslash run before the final byte escapes it iff the run has odd length.
    let backslashes = body.iter().rev().take_while(|&&b| b == b'\\').count();
    last == close && backslashes % 2 == 0
}

/// Appends `value` as a CSS string quoted with `quote` (`"` or `'`).
fn push_css_string(out: &mut String, value: &str, quote: u8) {
    let quote = char::from(quote);
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            // Newlines and controls must be hex escapes; `<` and `>` too, so that an unescaped
            // `</style>` can never come out of a URL into a `<style>` element. The trailing space
            // ends the escape whatever follows.
            '\0'..='\x1f' | '\x7f' | '<' | '>' => {
                let code = if c == '\0' { 0xfffd } else { u32::from(c) };
                out.push_str(&format!("\\{code:x} "));
            }
            _ => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
#[path = "css_tests.rs"]
mod tests;
