//! The search syntax of `GET /v1.3/list`: space-separated terms that must all match.
//! `online` / `-online`, `id:UNIQUE`, `ip:ADDR`, `#tag`, four digits (a lookup code),
//! anything with an `@` (an email) and, otherwise, free text. Every term is one
//! condition of one SQL statement, so a search has at most [`MAX_SEARCH_TERMS`].

use super::VisitorQuery;

/// Number of digits of a lookup code.
pub const LOOKUP_CODE_DIGITS: usize = 4;
/// Most terms one search may have. Each is a condition of the query, and SQLite
/// refuses a query nested deeper than 1000 (`SQLITE_MAX_EXPR_DEPTH`); no person or
/// integrator narrows a visitor down with more than a handful.
pub const MAX_SEARCH_TERMS: usize = 32;

/// Why a search string is refused (the caller's fault).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// More terms than [`MAX_SEARCH_TERMS`].
    #[error("a search has at most {MAX_SEARCH_TERMS} terms, this one has {0}")]
    TooManyTerms(usize),
}

/// Whether `text` has the shape of a lookup code.
pub fn is_lookup_code(text: &str) -> bool {
    text.len() == LOOKUP_CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a search string. Every input of at most [`MAX_SEARCH_TERMS`] terms is a
/// valid search: what is not a known form is free text, and every character of a term
/// (`%`, `_`, `\`, NUL) stands for itself.
pub fn parse(search: &str) -> Result<VisitorQuery, SearchError> {
    let terms = search.split_whitespace().count();
    if terms > MAX_SEARCH_TERMS {
        return Err(SearchError::TooManyTerms(terms));
    }
    let mut query = VisitorQuery::default();
    for term in search.split_whitespace() {
        let lower = term.to_lowercase();
        if lower == "online" {
            query.online = Some(true);
        } else if lower == "-online" {
            query.online = Some(false);
        } else if let Some(id) = prefixed(term, "id:") {
            query.unique_ids.push(id.to_owned());
        } else if let Some(ip) = prefixed(term, "ip:") {
            query.ip_addresses.push(ip.to_owned());
        } else if let Some(tag) = term.strip_prefix('#').filter(|t| !t.is_empty()) {
            query.tags.push(tag.to_lowercase());
        } else if is_lookup_code(term) {
            query.lookup_codes.push(term.to_owned());
        } else if term.contains('@') {
            query.emails.push(lower);
        } else {
            query.words.push(lower);
        }
    }
    Ok(query)
}

/// The rest of `term` after a case-insensitive `prefix`, when not empty.
fn prefixed<'a>(term: &'a str, prefix: &str) -> Option<&'a str> {
    let head = term.get(..prefix.len())?;
    let rest = &term[prefix.len()..];
    (head.eq_ignore_ascii_case(prefix) && !rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_syntax_is_recognised() {
        let q = parse("  Online id:Cust-42 ip:10.0.0.7 #VIP 0427 Jane@Example.com shoes ID:x ").expect("valid");
        assert_eq!(q.online, Some(true));
        assert_eq!(q.unique_ids, ["Cust-42", "x"]);
        assert_eq!(q.ip_addresses, ["10.0.0.7"]);
        assert_eq!(q.tags, ["vip"]);
        assert_eq!(q.lookup_codes, ["0427"]);
        assert_eq!(q.emails, ["jane@example.com"]);
        assert_eq!(q.words, ["shoes"]);
        assert_eq!(parse("-online").map(|q| q.online), Ok(Some(false)));
    }

    #[test]
    fn odd_terms_are_free_text_not_errors() {
        let q = parse("id: # 12345 123 ip: ünïcode").expect("valid");
        assert_eq!(q.words, ["id:", "#", "12345", "123", "ip:", "ünïcode"]);
        assert_eq!(parse(""), Ok(VisitorQuery::default()));
    }

    #[test]
    fn a_search_with_too_many_terms_is_refused() {
        let most = vec!["x"; MAX_SEARCH_TERMS].join(" ");
        assert_eq!(parse(&most).map(|q| q.words.len()), Ok(MAX_SEARCH_TERMS));
        assert_eq!(parse(&format!("{most} y")), Err(SearchError::TooManyTerms(MAX_SEARCH_TERMS + 1)));
        assert_eq!(parse(&format!("{most} \t\n ")).map(|q| q.words.len()), Ok(MAX_SEARCH_TERMS), "spaces are no terms");
    }
}
