//! Whether a document ends in text. A document with no element to put the runtime
//! before gets it at its end, which is only right when the browser's tokenizer is then
//! reading text: appended to an unfinished tag, comment or doctype, the runtime becomes
//! part of it, never runs, and completes a half-written `<a href="...` that the browser
//! would have dropped at the end of the input (unmapped, so it leads out of the proxy).
//!
//! [`TextEnd`] follows the tokenizer (HTML's "13.2.5 Tokenization") over the bytes of a
//! document that has had no element but `<html>`, so it knows text, tags, comments,
//! doctypes and bogus comments, and no raw-text elements. The states that only tell parse
//! errors apart are merged: they leave and enter the same states as the ones kept.

/// The tokenizer states a document without elements can be in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    TagOpen,
    EndTagOpen,
    TagName,
    BeforeAttributeName,
    AttributeName,
    AfterAttributeName,
    BeforeAttributeValue,
    /// In a quoted attribute value, waiting for this quote.
    Quoted(u8),
    Unquoted,
    AfterQuoted,
    SelfClosing,
    /// After `<!` and this many characters of `doctype`.
    Declaration(usize),
    /// After `<!-`.
    DeclarationDash,
    CommentStart,
    CommentStartDash,
    Comment,
    CommentEndDash,
    CommentEnd,
    CommentEndBang,
    Doctype,
    BogusComment,
}

const DOCTYPE: &[u8] = b"doctype";

/// The tokenizer's state over a document fed in pieces.
#[derive(Clone, Debug, Default)]
pub(super) struct TextEnd {
    state: State,
}

impl TextEnd {
    /// Reads the next bytes of the document.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = step(self.state, b);
        }
    }

    /// Whether a tag written now would start a tag: the document read so far ends in
    /// text, after a finished tag or comment, or after a `<` that the next `<` makes text.
    pub(super) fn in_text(&self) -> bool {
        matches!(self.state, State::Data | State::TagOpen)
    }
}

fn step(state: State, b: u8) -> State {
    use State::*;
    let space = matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    match state {
        Data if b == b'<' => TagOpen,
        Data => Data,
        TagOpen => match b {
            b'!' => Declaration(0),
            b'/' => EndTagOpen,
            b'?' => BogusComment,
            _ if b.is_ascii_alphabetic() => TagName,
            // The `<` was text; this byte is read again as text.
            _ => step(Data, b),
        },
        EndTagOpen => match b {
            b'>' => Data,
            _ if b.is_ascii_alphabetic() => TagName,
            _ => BogusComment,
        },
        TagName | BeforeAttributeName | AttributeName | AfterAttributeName | SelfClosing if b == b'>' => Data,
        TagName | BeforeAttributeName | AttributeName | AfterAttributeName if b == b'/' => SelfClosing,
        TagName | BeforeAttributeName if space => BeforeAttributeName,
        TagName => TagName,
        AttributeName | AfterAttributeName if b == b'=' => BeforeAttributeValue,
        AttributeName | AfterAttributeName if space => AfterAttributeName,
        // `=` included: there it starts an attribute's name.
        BeforeAttributeName | AttributeName | AfterAttributeName => AttributeName,
        BeforeAttributeValue => match b {
            b'"' | b'\'' => Quoted(b),
            b'>' => Data,
            _ if space => BeforeAttributeValue,
            _ => Unquoted,
        },
        Quoted(quote) if b == quote => AfterQuoted,
        Quoted(quote) => Quoted(quote),
        Unquoted => match b {
            b'>' => Data,
            _ if space => BeforeAttributeName,
            _ => Unquoted,
        },
        AfterQuoted => match b {
            b'/' => SelfClosing,
            b'>' => Data,
            _ => step(BeforeAttributeName, b),
        },
        // Read again before an attribute's name.
        SelfClosing => step(BeforeAttributeName, b),
        Declaration(0) if b == b'-' => DeclarationDash,
        Declaration(n) if b.to_ascii_lowercase() == DOCTYPE[n] && n + 1 == DOCTYPE.len() => Doctype,
        Declaration(n) if b.to_ascii_lowercase() == DOCTYPE[n] => Declaration(n + 1),
        // Not `<!--` nor `<!doctype`: a bogus comment from the byte after `<!`.
        Declaration(_) => step(BogusComment, b),
        DeclarationDash if b == b'-' => CommentStart,
        DeclarationDash => step(BogusComment, b),
        CommentStart | CommentStartDash if b == b'>' => Data,
        CommentStart if b == b'-' => CommentStartDash,
        CommentStartDash | CommentEndDash if b == b'-' => CommentEnd,
        Comment if b == b'-' => CommentEndDash,
        CommentStart | CommentStartDash | Comment | CommentEndDash => Comment,
        CommentEnd => match b {
            b'>' => Data,
            b'!' => CommentEndBang,
            b'-' => CommentEnd,
            _ => Comment,
        },
        CommentEndBang => match b {
            b'-' => CommentEndDash,
            b'>' => Data,
            _ => Comment,
        },
        Doctype | BogusComment if b == b'>' => Data,
        Doctype | BogusComment => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_in_text(document: &str) -> bool {
        let mut scanner = TextEnd::default();
        scanner.feed(document.as_bytes());
        scanner.in_text()
    }

    #[test]
    fn text_and_finished_constructs_end_in_text() {
        for document in [
            "",
            "just text",
            "a < b > c",
            "<",
            "<<",
            "<html lang=\"en\">x",
            "</p>",
            "</>",
            "<!-- c -->",
            "<!---->",
            "<!-->",
            "<!--->",
            "<!-- a --!>",
            "<!-- a <!-- b -->",
            "<!doctype html>",
            "<!DOCTYPE html PUBLIC \"a>",
            "<!x>",
            "<!>",
            "<?xml version=\"1.0\"?>",
            "</ x>",
            "<html a=\"'>\" b='\"' c=d e>",
            "<html a/>",
            "<a=\"x>",
            "<html  =\"x>",
            "<html a/b>",
        ] {
            assert!(ends_in_text(document), "{document:?}");
        }
    }

    #[test]
    fn unfinished_constructs_do_not() {
        for document in [
            "</",
            "<a",
            "<a href",
            "<a href=",
            "<a href=\"https://elsewhere.test/",
            "<a href='x>",
            "<a href=x",
            "<a b = \"x>",
            "<a/",
            "</p",
            "<!",
            "<!-",
            "<!--",
            "<!-- a -",
            "<!-- a --",
            "<!-- a --!",
            "<!-- -- >",
            "<!doc",
            "<!doctype html",
            "<!x",
            "<?x",
        ] {
            assert!(!ends_in_text(document), "{document:?}");
        }
    }

    #[test]
    fn pieces_read_as_the_whole() {
        let document = "<!-- a --!> x <a href='y' b=c/><!doctype z>tail<!-";
        let mut whole = TextEnd::default();
        whole.feed(document.as_bytes());
        for cut in 0..=document.len() {
            let mut pieces = TextEnd::default();
            pieces.feed(&document.as_bytes()[..cut]);
            pieces.feed(&document.as_bytes()[cut..]);
            assert_eq!(pieces.state, whole.state, "cut at {cut}");
        }
    }
}
