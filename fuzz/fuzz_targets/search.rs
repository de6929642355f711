//! The search syntax of `GET /v1.3/list` (`store/search.rs`) and the query it becomes
//! in SQLite (`store/sqlite/visitors.rs`). Invariants:
//! - any text parses (totality) or, past the bound on terms, is refused as too long, and
//!   every term lands in exactly one kind of condition, taken from that term;
//! - the query runs (a failure is a 500 to the integrator);
//! - it returns exactly the visitors that a plain reading of the syntax says match
//!   every term, among a few visitors with awkward text in them.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tandem::store::search::{MAX_SEARCH_TERMS, SearchError, is_lookup_code, parse};
use tandem::store::{Presence, SqliteStore, Store, VisitorQuery, VisitorRecord};

/// More than the visitors below: the limit never hides a match.
const LIMIT: usize = 100;

fn visitor(short_id: &str, unique_id: Option<&str>, code: &str, identities: &[&str], tags: &[&str]) -> VisitorRecord {
    VisitorRecord {
        short_id: short_id.to_owned(),
        unique_id: unique_id.map(str::to_owned),
        lookup_code: code.to_owned(),
        identities: identities.iter().map(|s| (*s).to_owned()).collect(),
        tags: tags.iter().map(|s| (*s).to_owned()).collect(),
        metadata: Default::default(),
        created_at: 0,
        presence: Presence::default(),
        is_online: false,
        is_in_session: false,
    }
}

/// The visitors every search runs against: ids, identities, tags and URLs with case,
/// `LIKE` wildcards, backslashes, quotes and non-ASCII text in them.
fn visitors() -> Vec<VisitorRecord> {
    let mut jane = visitor("ab2cd", Some("Cust-42"), "0427", &["Jane Doe", "Jane@Example.com"], &["VIP", "beta"]);
    jane.presence = Presence {
        ip_address: Some("10.0.0.7".into()),
        url: Some("https://Shop.test/Cart?x=1".into()),
        ..Presence::default()
    };
    jane.is_online = true;
    let mut odd = visitor("zz9yy", Some("50%_off\\x"), "1234", &["Ünïcode Ñame", "o'brien@b.c"], &["a_b", "100%"]);
    odd.presence =
        Presence { ip_address: Some("::1".into()), url: Some("http://x.test/%41_\"".into()), ..Presence::default() };
    odd.is_online = true;
    let plain = visitor("qq3rr", None, "9999", &[], &[]);
    let mut json = visitor("jj4kk", Some("{\"ids\":[]}"), "0000", &["[\"x\"]", "İstanbul"], &["ß", "{}"]);
    json.presence = Presence { url: Some("https://k.test/İ".into()), ..Presence::default() };
    vec![jane, odd, plain, json]
}

static STORE: LazyLock<(SqliteStore, Vec<VisitorRecord>)> = LazyLock::new(|| {
    let path = std::env::temp_dir().join(format!("tandem-fuzz-search-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = SqliteStore::open(&path).expect("a store");
    let visitors = visitors();
    for v in &visitors {
        store.insert_visitor(v).expect("inserted");
    }
    (store, visitors)
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let terms = text.split_whitespace().count();
    let query = match parse(&text) {
        Ok(query) => query,
        Err(SearchError::TooManyTerms(counted)) => {
            assert!(counted == terms && terms > MAX_SEARCH_TERMS, "{text:?} refused with {counted} terms");
            return;
        }
    };
    assert!(terms <= MAX_SEARCH_TERMS, "{text:?} has {terms} terms but was taken");
    every_term_lands_once(&text, &query);
    let (store, visitors) = &*STORE;
    let found = match store.search_visitors(&query, LIMIT) {
        Ok(found) => found,
        Err(e) => panic!("the search {text:?} fails: {e}"),
    };
    let mut found: Vec<&str> = found.iter().map(|v| v.short_id.as_str()).collect();
    let mut expected: Vec<&str> = visitors.iter().filter(|v| matches(&query, v)).map(|v| v.short_id.as_str()).collect();
    found.sort_unstable();
    expected.sort_unstable();
    assert_eq!(found, expected, "the search {text:?} ({query:?})");
});

/// Each whitespace-separated term becomes one condition of one kind, made from it.
fn every_term_lands_once(text: &str, q: &VisitorQuery) {
    let terms: Vec<&str> = text.split_whitespace().collect();
    let online_terms = terms.iter().filter(|t| matches!(t.to_lowercase().as_str(), "online" | "-online")).count();
    let conditions = q.words.len()
        + q.emails.len()
        + q.unique_ids.len()
        + q.lookup_codes.len()
        + q.ip_addresses.len()
        + q.tags.len()
        + online_terms;
    assert_eq!(conditions, terms.len(), "{text:?} → {q:?}");
    assert_eq!(q.online.is_some(), online_terms > 0);
    assert!(q.lookup_codes.iter().all(|c| is_lookup_code(c) && terms.contains(&c.as_str())));
    let from_a_term =
        |value: &String| terms.iter().any(|t| t.contains(value.as_str()) || t.to_lowercase().contains(value.as_str()));
    for value in q.words.iter().chain(&q.emails).chain(&q.unique_ids).chain(&q.ip_addresses).chain(&q.tags) {
        assert!(!value.is_empty() && from_a_term(value), "{value:?} is no term of {text:?}");
    }
}

/// A plain reading of the syntax: does visitor `v` match every term of `q`?
fn matches(q: &VisitorQuery, v: &VisitorRecord) -> bool {
    let lower = |s: &str| s.to_lowercase();
    let mut texts: Vec<String> = vec![lower(&v.short_id)];
    texts.extend(v.unique_id.as_deref().map(lower));
    texts.extend(v.identities.iter().map(|s| lower(s)));
    texts.extend(v.tags.iter().map(|s| lower(s)));
    texts.extend(v.presence.url.as_deref().map(lower));
    q.words.iter().all(|w| texts.iter().any(|t| t.contains(w.as_str())))
        && q.emails.iter().all(|e| v.identities.iter().any(|i| lower(i) == *e))
        && q.unique_ids.iter().all(|id| v.unique_id.as_deref() == Some(id.as_str()))
        && q.lookup_codes.iter().all(|c| v.lookup_code == *c)
        && q.online.is_none_or(|online| v.is_online == online)
        && q.ip_addresses.iter().all(|ip| v.presence.ip_address.as_deref() == Some(ip.as_str()))
        && q.tags.iter().all(|t| v.tags.iter().any(|tag| lower(tag) == *t))
}
