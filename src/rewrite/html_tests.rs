//! HTML rewriter tests. Every input is also rewritten in 1-byte chunks and at random
//! split points, and must come out identical.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::rewrite::filter::run_split;
use crate::rewrite::html_attrs::decode_entities;
use crate::rewrite::url::{UrlMap, test_rewriter};

const RANDOM_SPLITTINGS: usize = 16;

fn options(encoding: Option<&'static encoding_rs::Encoding>) -> HtmlOptions {
    HtmlOptions { header_encoding: encoding, memory_limit: 1024 * 1024, css_buffer_limit: 64 * 1024 }
}

fn rewrite_with(urls: &UrlRewriter, input: &[u8], opts: &HtmlOptions, splits: &[usize]) -> Vec<u8> {
    let mut filter = HtmlFilter::new(urls.clone(), opts).expect("ASCII-compatible");
    run_split(&mut filter, input, splits).expect("rewrites")
}

/// Rewrites `input` whole, then checks every other chunking gives the same bytes.
pub(crate) fn rewrite_everywhere(urls: &UrlRewriter, input: &[u8], opts: &HtmlOptions) -> Vec<u8> {
    let whole = rewrite_with(urls, input, opts, &[]);
    let bytewise: Vec<usize> = (1..input.len()).collect();
    assert_eq!(rewrite_with(urls, input, opts, &bytewise), whole, "1-byte chunks differ");
    let mut rng = StdRng::seed_from_u64(input.len() as u64);
    for _ in 0..RANDOM_SPLITTINGS {
        let mut splits: Vec<usize> = (0..rng.random_range(1..8)).map(|_| rng.random_range(0..=input.len())).collect();
        splits.sort_unstable();
        assert_eq!(rewrite_with(urls, input, opts, &splits), whole, "splits {splits:?} differ");
    }
    whole
}

fn rewrite(html: &str) -> (String, UrlRewriter) {
    let urls = test_rewriter("https://shop.test/dir/page.html");
    let out = rewrite_everywhere(&urls, html.as_bytes(), &options(None));
    (String::from_utf8(out).expect("utf-8 out"), urls)
}

/// `http://<label>.proxy.localhost:8080` of a real origin in the rewriter's session.
fn origin(urls: &UrlRewriter, real: &str) -> String {
    urls.map_url(real).expect("absolute")
}

#[test]
fn runtime_comes_first_in_head_whatever_the_document_starts_with() {
    let tag = page_script_tag();
    for (input, expected) in [
        (
            "<!doctype html><html><head><title>t</title><script>1</script></head>",
            format!("<!doctype html><html><head>{tag}<title>t</title><script>1</script></head>"),
        ),
        (
            "<html lang=en><!-- c --><HEAD data-x=1><meta charset=utf-8>",
            format!("<html lang=en><!-- c --><HEAD data-x=1>{tag}<meta charset=utf-8>"),
        ),
        ("<script>first()</script><p>x", format!("{tag}<script>first()</script><p>x")),
        ("<html><body><script>x</script></body></html>", format!("<html>{tag}<body><script>x</script></body></html>")),
        ("<!doctype html><title>no head</title>", format!("<!doctype html>{tag}<title>no head</title>")),
        ("just text, no tags", format!("just text, no tags{tag}")),
        ("", tag.to_owned()),
    ] {
        assert_eq!(rewrite(input).0, expected, "for {input:?}");
    }
}

/// Found by `fuzz/fuzz_targets/html.rs` (in a `srcdoc`): a document with no element
/// got the runtime appended at its end even when it ended inside a tag or comment. The
/// runtime then never ran, and it closed a half-written `<a href="https://...` that the
/// browser drops, so an unmapped link came to life. Such documents are left as they are.
#[test]
fn a_document_ending_inside_a_tag_or_comment_is_not_completed_by_the_runtime() {
    for unfinished in [
        "text</p><a href=\"https://elsewhere.test/'>x</a>",
        "text <!-- never closed",
        "<!doctype html><html lang=en><a href='https://elsewhere.test/",
        "<!doctype html",
    ] {
        assert_eq!(rewrite(unfinished).0, unfinished);
    }
    let tag = page_script_tag();
    let srcdoc = r#"<iframe srcdoc="text</p><a href=&quot;https://elsewhere.test/'>x"></iframe>"#;
    assert_eq!(rewrite(srcdoc).0, format!("{tag}{srcdoc}"));
    // Finished ones still get it at the end.
    assert_eq!(rewrite("text <!-- closed -->").0, format!("text <!-- closed -->{tag}"));
}

#[test]
fn url_attributes_are_mapped_and_others_kept() {
    let html = r##"<head><base href="https://cdn.test/assets/"><link rel=stylesheet href="https://shop.test/a.css" integrity="sha384-x">
<script src="//cdn.test/app.js" integrity="sha256-y" crossorigin></script></head>
<a href="https://other.test/p?a=1&amp;b=2" ping="/p https://track.test/t">o</a><a href="/rel">r</a><a href="#top">f</a>
<a href="javascript:void(0)">j</a><a href="mailto:a@b.test">m</a><img src="data:image/png;base64,AA" srcset="https://img.test/a.png 1x, /b.png 2x">
<form action="https://shop.test/login"><button formaction="https://pay.test/go">b</button></form>
<video poster="https://img.test/p.jpg"></video><object data="https://cdn.test/o.swf"></object><div data="https://x.test/keep"></div>
<table background="https://img.test/bg.gif"></table><blockquote cite="https://quote.test/"></blockquote>
<svg><image xlink:href="https://img.test/i.svg"/><use href="https://img.test/s.svg#i"/></svg>
<link rel=preload as=image imagesrcset="https://img.test/w.png 100w">"##;
    let (out, urls) = rewrite(html);
    let cdn = origin(&urls, "https://cdn.test");
    let img = origin(&urls, "https://img.test");
    for expected in [
        format!(r#"<base href="{cdn}/assets/">"#),
        format!(r#"<link rel=stylesheet href="{}/a.css">"#, origin(&urls, "https://shop.test")),
        format!(r#"<script src="{cdn}/app.js" crossorigin>"#),
        format!(
            r#"<a href="{}/p?a=1&amp;b=2" ping="/p {}/t">"#,
            origin(&urls, "https://other.test"),
            origin(&urls, "https://track.test")
        ),
        r##"<a href="/rel">r</a><a href="#top">f</a>"##.to_owned(),
        r#"<a href="javascript:void(0)">j</a><a href="mailto:a@b.test">m</a>"#.to_owned(),
        format!(r#"<img src="data:image/png;base64,AA" srcset="{img}/a.png 1x, /b.png 2x">"#),
        format!(
            r#"<form action="{}/login"><button formaction="{}/go">"#,
            origin(&urls, "https://shop.test"),
            origin(&urls, "https://pay.test")
        ),
        format!(r#"<video poster="{img}/p.jpg">"#),
        format!(r#"<object data="{cdn}/o.swf">"#),
        r#"<div data="https://x.test/keep">"#.to_owned(),
        format!(r#"<table background="{img}/bg.gif">"#),
        format!(r#"<blockquote cite="{}/">"#, origin(&urls, "https://quote.test")),
        format!(r#"<image xlink:href="{img}/i.svg""#),
        format!(r##"<use href="{img}/s.svg#i""##),
        format!(r#"imagesrcset="{img}/w.png 100w""#),
    ] {
        assert!(out.contains(&expected), "missing {expected}\nin {out}");
    }
    assert!(!out.contains("integrity"), "{out}");
}

/// Found by `fuzz/fuzz_targets/html.rs`: of `<a href="rel" href="https://b.test/">` a
/// browser keeps the first `href`; the rewriter mapped the second and wrote it into the
/// first, so the link went elsewhere than on the real site. The first of each attribute
/// (srcdoc included) is the one read and rewritten; the ignored rest stays as written.
#[test]
fn only_the_first_of_a_repeated_attribute_is_read_as_browsers_do() {
    let (out, urls) = rewrite(
        r#"<a href="rel" href="https://b.test/">a</a><img src="https://c.test/i.png" src="https://d.test/j.png"><iframe srcdoc="<p>1" srcdoc="<p>2"></iframe>"#,
    );
    let c = origin(&urls, "https://c.test");
    assert!(out.contains(r#"<a href="rel" href="https://b.test/">"#), "{out}");
    assert!(out.contains(&format!(r#"<img src="{c}/i.png" src="https://d.test/j.png">"#)), "{out}");
    assert!(out.contains(r#"srcdoc="<p>2""#) && out.contains(r#"srcdoc="<script"#), "{out}");
}

#[test]
fn entities_are_decoded_before_mapping_and_escaped_after() {
    let (out, urls) = rewrite(r#"<a href="https&#x3a;//shop.test/?q=&quot;x&quot;&amp;y=1">a</a>"#);
    let shop = origin(&urls, "https://shop.test");
    assert!(out.contains(&format!(r#"href="{shop}/?q=&quot;x&quot;&amp;y=1""#)), "{out}");
    // Numeric references need no `;` (see html_attrs' numeric_references_without_a_semicolon_...).
    let (out, urls) = rewrite(r#"<a href="https&#58//elsewhere.test/x">a</a>"#);
    assert!(out.contains(&format!(r#"href="{}/x""#, origin(&urls, "https://elsewhere.test"))), "{out}");
}

#[test]
fn base_href_decides_how_scheme_relative_urls_resolve() {
    let urls = test_rewriter("http://shop.test/");
    let html = br#"<base href="https://secure.test/"><img src="//img.test/a.png">"#;
    let out = String::from_utf8(rewrite_everywhere(&urls, html, &options(None))).expect("utf-8");
    assert!(out.contains(&format!(r#"src="{}/a.png""#, origin(&urls, "https://img.test"))), "{out}");
}

#[test]
fn meta_refresh_is_mapped_and_meta_csp_removed() {
    let (out, urls) = rewrite(
        r#"<meta http-equiv="refresh" content="0; url=https://shop.test/next"><meta http-equiv=Content-Security-Policy content="default-src 'self'"><p>"#,
    );
    assert!(out.contains(&format!(r#"content="0; url={}/next""#, origin(&urls, "https://shop.test"))), "{out}");
    assert!(!out.contains("default-src"), "{out}");
}

/// Found by `fuzz/fuzz_targets/html.rs`: the rewriter removed a CSP `<meta>` element,
/// but inside `<svg>` that element ends the SVG, so without it what follows parsed
/// otherwise: text of a `<style>` (never rewritten) became a live link, unmapped. The
/// element now stays, without its policy.
#[test]
fn a_csp_meta_is_emptied_not_removed_so_the_page_parses_the_same() {
    let html = r#"<svg><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><style><a href="https://b.test/">x</a></style>"#;
    let (out, _) = rewrite(html);
    assert!(out.ends_with(r#"<svg><meta><style><a href="https://b.test/">x</a></style>"#), "{out}");
}

/// Found by `fuzz/fuzz_targets/html.rs`: inside `<svg>` an import map can sit in a
/// `<style>`, and both handlers put its text into the one buffer, so it came out twice
/// or not, depending on how the body was chunked. The innermost element takes its text.
#[test]
fn text_of_an_import_map_inside_an_svg_style_is_held_once_at_any_chunking() {
    let urls = test_rewriter("https://shop.test/dir/page.html");
    let html =
        br#"<svg><style>a{}<script type="importmap">{"imports":{"x":"https://m.test/x.js"}}</script>b{}</style></svg>"#;
    let m = origin(&urls, "https://m.test");
    for opts in [options(None), HtmlOptions { css_buffer_limit: 16, ..options(None) }] {
        let out = String::from_utf8(rewrite_everywhere(&urls, html, &opts)).expect("utf-8");
        assert_eq!(out.matches(r#"{"imports""#).count(), 1, "{out}");
        assert!(out.contains("a{}<script") && out.contains("</script>b{}</style>"), "{out}");
        if opts.css_buffer_limit > 16 {
            assert!(out.contains(&format!("{m}/x.js")), "{out}");
        }
    }
}

#[test]
fn inline_css_is_rewritten_in_attributes_and_style_elements() {
    let (out, urls) = rewrite(
        r#"<div style="background:url(https://img.test/a.png)"></div><style>@import "https://cdn.test/x.css";
.a{background-image:url('https://img.test/b.png')} .b{background:url(/rel.png)}</style>"#,
    );
    let img = origin(&urls, "https://img.test");
    assert!(out.contains(&format!(r#"style="background:url(&quot;{img}/a.png&quot;)""#)), "{out}");
    assert!(out.contains(&format!(r#"@import "{}/x.css";"#, origin(&urls, "https://cdn.test"))), "{out}");
    assert!(out.contains(&format!("url('{img}/b.png')")), "{out}");
    assert!(out.contains("url(/rel.png)"), "{out}");
}

/// Import maps are rewritten whole whatever the chunking (`rewrite` re-runs every input
/// at 1-byte and random split points); other scripts, even ones that look alike, are not.
#[test]
fn import_maps_get_label_urls_and_other_scripts_stay_as_they_are() {
    let map = r#"{"imports": {"vue": "https://cdn.test/vue.js"}, "scopes": {"https://cdn.test/": {"a": "https://cdn.test/a.js"}}}"#;
    let (out, urls) = rewrite(&format!(
        r#"<head><script type=" ImportMap ">{map}</script><script>const m = {map};</script><script type=module>import "vue";</script>"#
    ));
    let cdn = origin(&urls, "https://cdn.test");
    let expected = format!(r#"{{"imports":{{"vue":"{cdn}/vue.js"}},"scopes":{{"{cdn}/":{{"a":"{cdn}/a.js"}}}}}}"#);
    assert!(out.contains(&format!(r#"<script type=" ImportMap ">{expected}</script>"#)), "{out}");
    assert!(out.contains(&format!("<script>const m = {map};</script>")), "{out}");
    assert!(out.contains(r#"<script type=module>import "vue";</script>"#), "{out}");
}

#[test]
fn oversized_style_text_passes_through_untouched() {
    let urls = test_rewriter("https://shop.test/");
    let css = format!(".a{{background:url(https://img.test/a.png)}}{}", "/* padding */".repeat(100));
    let html = format!("<style>{css}</style><p>after");
    let opts = HtmlOptions { css_buffer_limit: 64, ..options(None) };
    let out = String::from_utf8(rewrite_everywhere(&urls, html.as_bytes(), &opts)).expect("utf-8");
    assert!(out.contains(&format!("<style>{css}</style><p>after")), "{out}");
}

#[test]
fn malformed_html_passes_through() {
    let hostile = "<div <<a href='https://x.test/'>><!-- unterminated <script>alert(1)</scr<a href=\"https://x.test/\"";
    let (out, _) = rewrite(hostile);
    assert!(out.ends_with("<!-- unterminated <script>alert(1)</scr<a href=\"https://x.test/\""), "{out}");
}

#[test]
fn memory_limit_passes_the_rest_through_untouched() {
    let urls = test_rewriter("https://shop.test/");
    let huge_attribute = "x".repeat(256 * 1024);
    let html = format!(
        "<a href=\"https://a.test/\">1</a><div title=\"{huge_attribute}\"><a href=\"https://b.test/\">2</a></div>"
    );
    let opts = HtmlOptions { memory_limit: 64 * 1024, ..options(None) };
    let out = String::from_utf8(rewrite_with(&urls, html.as_bytes(), &opts, &[4096, 8192, 70_000])).expect("utf-8");
    // Everything arrives; the tail after the limit is exactly the input.
    assert!(out.ends_with(&format!("<div title=\"{huge_attribute}\"><a href=\"https://b.test/\">2</a></div>")));
    assert!(out.contains(&origin(&urls, "https://a.test")), "the start is still rewritten");
}

#[test]
fn windows_1251_pages_keep_their_bytes() {
    let urls = test_rewriter("http://shop.test/");
    let (text, _, _) = encoding_rs::WINDOWS_1251
        .encode("<meta charset=windows-1251><p>Привет</p><a href=\"https://shop.test/поиск?q=тест\">ссылка</a>");
    for encoding in [None, Some(encoding_rs::WINDOWS_1251)] {
        let out = rewrite_everywhere(&urls, &text, &options(encoding));
        let (decoded, _, had_errors) = encoding_rs::WINDOWS_1251.decode(&out);
        assert!(!had_errors);
        let expected = format!("<a href=\"{}/поиск?q=тест\">ссылка</a>", origin(&urls, "https://shop.test"));
        assert!(decoded.contains(&expected), "{decoded}");
        assert!(decoded.contains("<p>Привет</p>"));
    }
}

#[test]
fn saved_real_pages_rewrite_identically_at_any_chunking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/pages") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "html") {
            let input = std::fs::read(&path).expect("read");
            let urls = test_rewriter("http://127.0.0.1:8000/");
            let out = rewrite_everywhere(&urls, &input, &options(None));
            assert!(String::from_utf8_lossy(&out).contains(page_script_tag()), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 5, "expected the saved pages in {}", dir.display());
}

/// `html` written as an attribute value in double quotes.
fn quoted(html: &str) -> String {
    html.replace('&', "&amp;").replace('"', "&quot;")
}

#[test]
fn iframe_srcdoc_is_rewritten_as_a_page_with_the_runtime_first() {
    let inner = r#"<!doctype html><p title="a &amp; b">x</p><img src="https://img.test/a.png"><script>run()</script>"#;
    let html =
        format!(r#"<p>top<iframe id=f srcdoc="{}"></iframe><div srcdoc="{}"></div>"#, quoted(inner), quoted(inner));
    let (out, urls) = rewrite(&html);
    let img = origin(&urls, "https://img.test");
    let tag = page_script_tag();
    let expected =
        format!(r#"<!doctype html>{tag}<p title="a &amp; b">x</p><img src="{img}/a.png"><script>run()</script>"#);
    assert!(out.contains(&format!(r#"<iframe id=f srcdoc="{}">"#, quoted(&expected))), "{out}");
    // Only an iframe's srcdoc is a document.
    assert!(out.contains(&format!(r#"<div srcdoc="{}">"#, quoted(inner))), "{out}");
}

#[test]
fn nested_srcdocs_are_rewritten_down_to_a_bound() {
    // Each level holds the previous one as its srcdoc, quoted once more.
    let levels = 7;
    let mut html = r#"<img src="https://img.test/deep.png">"#.to_owned();
    for _ in 0..levels {
        html = format!(r#"<iframe srcdoc="{}"></iframe>"#, quoted(&html));
    }
    let (out, urls) = rewrite(&html);
    let img = origin(&urls, "https://img.test");
    // Unwind the levels: the first ones got the runtime, the deepest kept their markup.
    let mut document = out;
    let mut rewritten = 0;
    for _ in 0..levels {
        let start = document.find(r#"srcdoc=""#).expect("srcdoc") + r#"srcdoc=""#.len();
        let end = start + document[start..].find('"').expect("closing quote");
        document = decode_entities(&document[start..end]).into_owned();
        rewritten += usize::from(document.contains(page_script_tag()));
    }
    assert_eq!(rewritten, 4, "{document}");
    assert_eq!(document, r#"<img src="https://img.test/deep.png">"#);
    assert!(!document.contains(&img));
}

#[test]
fn a_srcdoc_past_the_memory_limit_passes_through_untouched() {
    let urls = test_rewriter("https://shop.test/");
    let huge = format!(r#"<img src="https://img.test/a.png">{}"#, "x".repeat(256 * 1024));
    let html = format!(r#"<a href="https://a.test/">1</a><iframe srcdoc="{}"></iframe>"#, quoted(&huge));
    let opts = HtmlOptions { memory_limit: 64 * 1024, ..options(None) };
    let out = String::from_utf8(rewrite_with(&urls, html.as_bytes(), &opts, &[4096, 70_000])).expect("utf-8");
    assert!(out.ends_with(&format!(r#"<iframe srcdoc="{}"></iframe>"#, quoted(&huge))), "the tail is the input");
    assert!(out.contains(&origin(&urls, "https://a.test")), "the start is still rewritten");
}
