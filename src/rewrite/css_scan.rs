//! Incremental safe-split-point scanner for streamed stylesheets.
//!
//! Owns the answer to one question, asked once per byte: "may the stream be cut right after this
//! byte?". It mirrors just enough of CSS tokenization (comments, strings, escapes, unquoted
//! `url(...)`, parenthesis/bracket depth) to answer it in O(1) per byte with O(1) state, so a
//! streamed body is never rescanned.
//!
//! Known approximations, which only matter for contrived input: `url(` is only recognised when
//! spelled without escapes (`u\72l(` is not), parentheses and brackets share one depth counter,
//! and braces inside parentheses are not matched the way cssparser matches blocks. A split point
//! the tokenizer would disagree with only makes the next segment be read as a fresh start (a URL
//! left unmapped, or URL-looking text inside a string rewritten); the stream output stays
//! independent of chunking either way, since split points depend only on the bytes.

/// Tokenizer state, carried across chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Normal,
    /// After a `/` that may open a comment.
    Slash,
    /// After a `\` outside strings and URLs.
    Escape,
    /// Inside a hex escape outside strings, with this many digits seen.
    Hex(u8),
    /// A hex escape ended with CR; a following LF belongs to it.
    HexCr,
    Comment,
    CommentStar,
    Str(u8),
    StrEscape(u8),
    StrHex(u8, u8),
    /// Inside a string after an escaped CR; a following LF belongs to it.
    StrCr(u8),
    /// After `url(`, skipping whitespace to learn whether the URL is quoted.
    UrlStart,
    /// Inside an unquoted URL token (possibly a bad one); only `)` ends it.
    Url,
    UrlEscape,
}

/// Byte-at-a-time scanner reporting safe split points (see module docs).
#[derive(Clone, Debug)]
pub(crate) struct SafePointScanner {
    state: State,
    /// Open `(`/`[` count; a `;{}` inside them is not a statement boundary.
    depth: usize,
    /// The previous byte would glue to a following `u` (name byte, escaped byte, `#`, `@`),
    /// so that `u` cannot start a `url(` token.
    glued: bool,
    /// How many bytes of `url` have been matched since a token start.
    url_match: u8,
    /// See [`Self::take_url_hint`].
    url_hint: bool,
}

impl SafePointScanner {
    pub(crate) fn new() -> Self {
        Self { state: State::Normal, depth: 0, glued: false, url_match: 0, url_hint: false }
    }

    /// Consumes the leading bytes of `bytes` that cannot change anything but `glued` while
    /// outside any string, comment and URL: no quote, escape, comment, bracket, statement end
    /// nor `@`, and a `u` only where it glues to the byte before (so cannot start `url(`);
    /// returns how many. Byte for byte the same as [`Self::push`] on each (none of them is a
    /// split point), at a table lookup per byte. Letters other than `u` are plain too: they
    /// only matter right after a `u` that may start `url(`, and then `url_match` is set and
    /// this skips nothing.
    pub(crate) fn skip_plain(&mut self, bytes: &[u8]) -> usize {
        if self.state != State::Normal || self.url_match != 0 {
            return 0;
        }
        let mut plain = 0;
        while let Some(&b) = bytes.get(plain) {
            if !PLAIN[usize::from(b)] {
                let glued_before = || match plain.checked_sub(1) {
                    Some(before) => glues(bytes[before]),
                    None => self.glued,
                };
                if b | 0x20 != b'u' || !glued_before() {
                    break;
                }
            }
            plain += 1;
        }
        if let Some(&last) = plain.checked_sub(1).and_then(|i| bytes.get(i)) {
            self.glued = glues(last);
        }
        plain
    }

    /// Whether the text since the last call may hold a URL: it had a `(` or `@` outside
    /// strings and comments (`url(`, `image-set(`, `@import`, each also when spelled with
    /// escapes). Resets the answer.
    pub(crate) fn take_url_hint(&mut self) -> bool {
        std::mem::take(&mut self.url_hint)
    }

    /// Consumes one byte; returns true if the stream may be split right after it, i.e. it is a
    /// `;`, `{` or `}` outside any string, comment, URL token and parentheses.
    pub(crate) fn push(&mut self, b: u8) -> bool {
        match self.state {
            State::Normal => self.normal(b),
            State::Slash => {
                if b == b'*' {
                    self.state = State::Comment;
                    false
                } else {
                    self.state = State::Normal;
                    self.normal(b)
                }
            }
            State::Escape => {
                self.state = State::Normal;
                if is_newline(b) {
                    // `\` + newline is a lone delimiter followed by whitespace.
                    self.glued = false;
                } else if b.is_ascii_hexdigit() {
                    self.state = State::Hex(1);
                    self.glued = true;
                } else {
                    self.glued = true;
                }
                false
            }
            State::Hex(n) => {
                if b.is_ascii_hexdigit() && n < 6 {
                    self.state = State::Hex(n + 1);
                    false
                } else if b == b'\r' {
                    self.state = State::HexCr;
                    false
                } else if is_whitespace(b) {
                    // One whitespace after a hex escape is part of the escape.
                    self.state = State::Normal;
                    false
                } else {
                    self.state = State::Normal;
                    self.normal(b)
                }
            }
            State::HexCr => {
                self.state = State::Normal;
                if b == b'\n' { false } else { self.normal(b) }
            }
            State::Comment => {
                if b == b'*' {
                    self.state = State::CommentStar;
                }
                false
            }
            State::CommentStar => {
                self.state = match b {
                    b'/' => {
                        self.glued = false;
                        State::Normal
                    }
                    b'*' => State::CommentStar,
                    _ => State::Comment,
                };
                false
            }
            State::Str(q) => {
                self.string(q, b);
                false
            }
            State::StrEscape(q) => {
                self.state = match b {
                    b'\r' => State::StrCr(q),
                    _ if b.is_ascii_hexdigit() => State::StrHex(q, 1),
                    // Escaped newline (line continuation) or any escaped character.
                    _ => State::Str(q),
                };
                false
            }
            State::StrHex(q, n) => {
                if b.is_ascii_hexdigit() && n < 6 {
                    self.state = State::StrHex(q, n + 1);
                } else if b == b'\r' {
                    self.state = State::StrCr(q);
                } else if is_whitespace(b) {
                    // Swallowed by the escape: an escaped hex char may end in a newline.
                    self.state = State::Str(q);
                } else {
                    self.state = State::Str(q);
                    self.string(q, b);
                }
                false
            }
            State::StrCr(q) => {
                self.state = State::Str(q);
                if b != b'\n' {
                    self.string(q, b);
                }
                false
            }
            State::UrlStart => {
                match b {
                    _ if is_whitespace(b) => {}
                    b'"' | b'\'' => {
                        // `url(` + quote is an ordinary function holding a string.
                        self.depth = self.depth.saturating_add(1);
                        self.state = State::Str(b);
                    }
                    b')' => self.end_url(),
                    b'\\' => self.state = State::UrlEscape,
                    _ => self.state = State::Url,
                }
                false
            }
            State::Url => {
                match b {
                    b')' => self.end_url(),
                    b'\\' => self.state = State::UrlEscape,
                    _ => {}
                }
                false
            }
            State::UrlEscape => {
                // Good and bad URL tokens agree that `\)` and `\\` never end the token; any other
                // escaped byte cannot be `)` either, so it needs no special care.
                self.state = State::Url;
                false
            }
        }
    }

    fn normal(&mut self, b: u8) -> bool {
        let url_match = std::mem::take(&mut self.url_match);
        let was_glued = self.glued;
        self.glued = glues(b);
        self.url_hint |= b == b'(' || b == b'@';
        match b {
            b'/' => self.state = State::Slash,
            b'"' | b'\'' => self.state = State::Str(b),
            b'\\' => self.state = State::Escape,
            b'(' if url_match == 3 => self.state = State::UrlStart,
            b'(' | b'[' => self.depth = self.depth.saturating_add(1),
            b')' | b']' => self.depth = self.depth.saturating_sub(1),
            b';' | b'{' | b'}' => return self.depth == 0,
            b'u' | b'U' if !was_glued => self.url_match = 1,
            b'r' | b'R' if url_match == 1 => self.url_match = 2,
            b'l' | b'L' if url_match == 2 => self.url_match = 3,
            _ => {}
        }
        false
    }

    fn string(&mut self, quote: u8, b: u8) {
        if b == quote || is_newline(b) {
            // Closing quote, or an unescaped newline ending a bad string.
            self.state = State::Normal;
            self.glued = false;
        } else if b == b'\\' {
            self.state = State::StrEscape(quote);
        }
    }

    fn end_url(&mut self) {
        self.state = State::Normal;
        self.glued = false;
    }
}

/// Bytes [`SafePointScanner::skip_plain`] may pass over in the normal state while no `url(`
/// is being matched: what [`SafePointScanner::normal`] then does nothing with but note whether
/// it glues to a `u` (a `u` itself is decided by the byte before it).
const PLAIN: [bool; 256] = {
    let mut table = [true; 256];
    let special = b"/\\\"'()[];{}@uU";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = false;
        i += 1;
    }
    table
};

fn is_newline(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | b'\x0C')
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t') || is_newline(b)
}

/// Whether a `u` right after `b` would continue a token rather than start `url(`: a name
/// byte, or the `#` of a hash or the `@` of an at-keyword.
fn glues(b: u8) -> bool {
    is_name_byte(b) || b == b'#' || b == b'@'
}

/// Bytes that continue an identifier, number or hash token (non-ASCII bytes included).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'\0') || !b.is_ascii()
}
