//! Tests for `css`: every input goes through `rewrite_css` and through the stream rewriter under
//! many chunkings, which must all agree.

use super::*;
use proptest::prelude::*;

/// Maps absolute http(s) URLs to a recognisable proxy form; leaves everything else alone.
struct TestMap;

impl UrlMap for TestMap {
    fn map_url(&self, raw: &str) -> Option<String> {
        ["http://", "https://"]
            .iter()
            .find_map(|scheme| raw.strip_prefix(scheme))
            .map(|rest| format!("http://MAPPED-{rest}"))
    }
}

/// Maps nothing: every API must then reproduce its input exactly.
struct NoMap;

impl UrlMap for NoMap {
    fn map_url(&self, _raw: &str) -> Option<String> {
        None
    }
}

const BIG: usize = 1 << 20;

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn stream_chunks<M: UrlMap>(map: M, max_buffer: usize, chunks: &[&[u8]]) -> Vec<u8> {
    let mut rewriter = CssStreamRewriter::new(map, max_buffer);
    let mut out = Vec::new();
    for chunk in chunks {
        rewriter.write(chunk, &mut out);
    }
    rewriter.finish(&mut out);
    out
}

fn split_at_points<'a>(input: &'a [u8], points: &mut Vec<usize>) -> Vec<&'a [u8]> {
    points.sort_unstable();
    points.dedup();
    let mut chunks = Vec::new();
    let mut from = 0;
    for &p in points.iter() {
        chunks.push(&input[from..p]);
        from = p;
    }
    chunks.push(&input[from..]);
    chunks
}

/// Streams `input` in one chunk, in 1-byte chunks and at many random split points, and asserts the
/// outputs are identical; returns the one-chunk output.
fn stream_all_chunkings(input: &[u8], max_buffer: usize) -> Vec<u8> {
    let whole = stream_chunks(TestMap, max_buffer, &[input]);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(stream_chunks(TestMap, max_buffer, &bytes), whole, "1-byte chunks");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ input.len() as u64);
    for round in 0..64 {
        let cuts = 1 + rng.below(input.len().min(40) + 1);
        let mut points: Vec<usize> = (0..cuts).map(|_| rng.below(input.len() + 1)).collect();
        let chunks = split_at_points(input, &mut points);
        assert_eq!(stream_chunks(TestMap, max_buffer, &chunks), whole, "random chunking #{round} at {points:?}");
    }
    whole
}

/// The main assertion: `rewrite_css` gives `expected`, so does the stream under every chunking
/// and with small buffers, and mapping nothing is the identity.
fn check(input: &str, expected: &str) {
    let mut out = String::from("prefix|");
    let changed = rewrite_css(input, &TestMap, &mut out);
    assert_eq!(out.strip_prefix("prefix|"), Some(expected), "rewrite_css of {input:?}");
    assert_eq!(changed, input != expected, "changed flag for {input:?}");
    let streamed = stream_all_chunkings(input.as_bytes(), BIG);
    assert_eq!(String::from_utf8_lossy(&streamed), expected, "stream of {input:?}");
    for max_buffer in [0, 3, 16] {
        stream_all_chunkings(input.as_bytes(), max_buffer);
    }
    let mut same = String::new();
    assert!(!rewrite_css(input, &NoMap, &mut same));
    assert_eq!(same, input);
    assert_eq!(stream_chunks(NoMap, BIG, &[input.as_bytes()]), input.as_bytes());
}

fn unchanged(input: &str) {
    check(input, input);
}

#[test]
fn unquoted_url() {
    check("a{background:url(http://x.com/a.png)}", r#"a{background:url("http://MAPPED-x.com/a.png")}"#);
    check("b{background: url(  https://x/a  ) }", r#"b{background: url("http://MAPPED-x/a") }"#);
    check("c{background:URL(http://x/a)}", r#"c{background:URL("http://MAPPED-x/a")}"#);
    check("url()", "url()");
}

#[test]
fn quoted_url() {
    check(r#"a{b:url("http://x/a")}"#, r#"a{b:url("http://MAPPED-x/a")}"#);
    check("a{b:url('http://x/a')}", "a{b:url('http://MAPPED-x/a')}");
    check(r#"a{b:url( "http://x/a" )}"#, r#"a{b:url( "http://MAPPED-x/a" )}"#);
    check(r#"a{b:url("http://x/(a);{b}")}"#, r#"a{b:url("http://MAPPED-x/(a);{b}")}"#);
}

#[test]
fn escaped_urls_are_unescaped_before_mapping() {
    check(r"a{b:url(http://x/a\)b)}", r#"a{b:url("http://MAPPED-x/a)b")}"#);
    check(r"a{b:url(http://x/\61 b)}", r#"a{b:url("http://MAPPED-x/ab")}"#);
    check(r#"a{b:url("http://x/a\"b")}"#, r#"a{b:url("http://MAPPED-x/a\"b")}"#);
    check(r#"a{b:url("http://x/a\\b")}"#, r#"a{b:url("http://MAPPED-x/a\\b")}"#);
    check(r#"a{b:url('http://x/it\'s')}"#, r#"a{b:url('http://MAPPED-x/it\'s')}"#);
    check(r#"a{b:url('http://x/"q"')}"#, r#"a{b:url('http://MAPPED-x/"q"')}"#);
    check(r#"a{b:url("http://x/a\a b")}"#, r#"a{b:url("http://MAPPED-x/a\a b")}"#);
    check("a{b:url(\"http://x/a\\\nb\")}", r#"a{b:url("http://MAPPED-x/ab")}"#);
    // An escaped `</style>` must not come out unescaped.
    check(r#"a{b:url("http://x/\3c/style>")}"#, r#"a{b:url("http://MAPPED-x/\3c /style\3e ")}"#);
}

#[test]
fn unmapped_references_are_left_alone() {
    unchanged("a{b:url(data:image/png;base64,iVBORw0KGgo=)}");
    unchanged(r#"a{b:url("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>")}"#);
    unchanged("a{b:url(#frag)} c{d:url(/rel.png)} e{f:url('../up.png')}");
    unchanged("a{filter:url(#f);mask:url(  x.svg#m  )}");
}

#[test]
fn import() {
    check(r#"@import "http://x/a.css";"#, r#"@import "http://MAPPED-x/a.css";"#);
    check("@import 'http://x/a.css' screen;", "@import 'http://MAPPED-x/a.css' screen;");
    check("@IMPORT/**/ \"http://x/a\";", "@IMPORT/**/ \"http://MAPPED-x/a\";");
    check("@import url(http://x/a.css);", r#"@import url("http://MAPPED-x/a.css");"#);
    check(
        r#"@import url("http://x/a.css") layer(base) supports(display:grid);"#,
        r#"@import url("http://MAPPED-x/a.css") layer(base) supports(display:grid);"#,
    );
    unchanged(r#"@charset "http://x/a"; @media "http://x/b" {}"#);
    unchanged(r#"a{content:"http://x/a"} @import screen "http://x/a";"#);
}

#[test]
fn namespace_urls_are_identifiers() {
    unchanged("@namespace svg url(http://www.w3.org/2000/svg);");
    unchanged(r#"@namespace url("http://www.w3.org/1999/xhtml");"#);
    check("@namespace url(http://n/); url(http://x/a)", r#"@namespace url(http://n/); url("http://MAPPED-x/a")"#);
    check(
        "@namespace url(http://n/); @import url(http://x/i);",
        r#"@namespace url(http://n/); @import url("http://MAPPED-x/i");"#,
    );
    check(
        "@namespace url(http://n/);a{b:url(http://x/a)}",
        r#"@namespace url(http://n/);a{b:url("http://MAPPED-x/a")}"#,
    );
}

#[test]
fn image_set() {
    check(
        r#"a{b:image-set("http://x/1.png" 1x, url(http://x/2.png) 2x, 'http://x/3.avif' type("http://x/t"))}"#,
        r#"a{b:image-set("http://MAPPED-x/1.png" 1x, url("http://MAPPED-x/2.png") 2x, 'http://MAPPED-x/3.avif' type("http://x/t"))}"#,
    );
    check(
        r#"a{b:-webkit-image-set("http://x/1.png" 1x, url('http://x/2.png') 2x)}"#,
        r#"a{b:-webkit-image-set("http://MAPPED-x/1.png" 1x, url('http://MAPPED-x/2.png') 2x)}"#,
    );
    unchanged(r#"a{b:image-set("a.png" 1x, "data:," 2x); c:something-else("http://x/a")}"#);
}

#[test]
fn font_face_src_list() {
    check(
        r#"@font-face{font-family:"F";src:url(http://x/f.eot?#iefix) format("embedded-opentype"),url('https://x/f.woff2') format('woff2'),local("http://x/l")}"#,
        r#"@font-face{font-family:"F";src:url("http://MAPPED-x/f.eot?#iefix") format("embedded-opentype"),url('http://MAPPED-x/f.woff2') format('woff2'),local("http://x/l")}"#,
    );
}

#[test]
fn comments_and_strings_are_not_urls() {
    unchanged("/* url(http://x/a) @import \"http://x/b\"; */ a{}");
    unchanged("a{content:\"url(http://x/a)\"} b::after{content:'url(http://x/a);}'}");
    check("/* } ; url( */ a{x:url(http://x/a)} /* \" */", r#"/* } ; url( */ a{x:url("http://MAPPED-x/a")} /* " */"#);
    check(
        "a{content:\"x;}\\\"url(\"} b{c:url(http://x/b)}",
        "a{content:\"x;}\\\"url(\"} b{c:url(\"http://MAPPED-x/b\")}",
    );
}

#[test]
fn style_end_tag_is_irrelevant() {
    check(
        r#"a{content:"</style>"} </style> b{background:url(http://x/a)}"#,
        r#"a{content:"</style>"} </style> b{background:url("http://MAPPED-x/a")}"#,
    );
}

#[test]
fn style_attribute_value() {
    check(
        "background: url(http://x/a) no-repeat; color: red",
        r#"background: url("http://MAPPED-x/a") no-repeat; color: red"#,
    );
}

#[test]
fn unterminated_tokens_at_eof_pass_through() {
    unchanged("a{background:url(http://x/a");
    unchanged(r"a{background:url(http://x/a\)");
    unchanged("a{background:url(\"http://x/a");
    unchanged("a{background:url('http://x/a\\'");
    unchanged("@import \"http://x/a");
    unchanged("@import \"");
    unchanged("a{b:url(   ");
    unchanged("a{b:url(");
    unchanged("/* url(http://x/a) ");
    // The string is complete; only the function is unclosed, as browsers accept too.
    check("a{b:url(\"http://x/a\"", "a{b:url(\"http://MAPPED-x/a\"");
}

#[test]
fn bad_tokens_pass_through() {
    unchanged("a{b:url(http://x/a\"b)} c{d:url(http://x/a b)}");
    unchanged("@import \"http://x/a\n\"; a{}");
    unchanged("a{b:url(http://x/(a))}");
}

#[test]
fn scanner_edge_cases() {
    check("a{b:u\\rl(x;y)} c{d:url(http://x/c)}", "a{b:u\\rl(x;y)} c{d:url(\"http://MAPPED-x/c\")}");
    check("a\\;b{c:url(http://x/a)}", "a\\;b{c:url(\"http://MAPPED-x/a\")}");
    check("#url(x) @url(y) myurl(z;) {a:url(http://x/a)}", "#url(x) @url(y) myurl(z;) {a:url(\"http://MAPPED-x/a\")}");
    check("a{b:\"\\41\r\n;\"} c{d:url(http://x/a)}", "a{b:\"\\41\r\n;\"} c{d:url(\"http://MAPPED-x/a\")}");
    unchanged("a{b:(c;d)} ) ] ;;{{}}");
}

/// Byte offsets right after which the scanner allows a split, fed byte by byte.
fn safe_points(input: &[u8]) -> Vec<usize> {
    let mut scanner = css_scan::SafePointScanner::new();
    (0..input.len()).filter(|&i| scanner.push(input[i])).map(|i| i + 1).collect()
}

/// [`safe_points`] found as the stream does: runs of plain bytes skipped, the rest pushed.
/// Also returns whether the scanner hinted at a URL anywhere.
fn safe_points_skipping(input: &[u8]) -> (Vec<usize>, bool) {
    let mut scanner = css_scan::SafePointScanner::new();
    let mut points = Vec::new();
    let mut i = 0;
    while i < input.len() {
        i += scanner.skip_plain(&input[i..]);
        let Some(&b) = input.get(i) else { break };
        i += 1;
        if scanner.push(b) {
            points.push(i);
        }
    }
    (points, scanner.take_url_hint())
}

#[test]
fn scanner_safe_points() {
    let cases: &[(&[u8], &[usize])] = &[
        (b"a{b:c;d:e}", &[2, 6, 10]),
        (b"a{b:url(x;y{)}", &[2, 14]),
        (b"a{b:URL(  x;y)}", &[2, 15]),
        (br"a{b:url(x\);y)}", &[2, 15]),
        (br#"a{b:url(x"y;)}"#, &[2, 14]),
        (br#"url( "a;)b" );"#, &[14]),
        (b"url('a\\';b');", &[13]),
        (b"/*;*/;/*/;*/;", &[6, 13]),
        (br#""\";";"#, &[6]),
        (br"a\;b;", &[5]),
        (b"a\\\n;", &[4]),
        (b"\"\\41\r\n;\";", &[9]),
        (b"\"a\n;", &[4]),
        (b"#url(x;);@url(;);-url(;);myurl(;);", &[9, 17, 25, 34]),
        (b"f(a;{}[;]);", &[11]),
        (b"));]};", &[3, 5, 6]),
        (br"url(\);x);", &[10]),
        (b"\"\\\r\n;\";", &[7]),
        (b"/**/;/***/;", &[5, 11]),
        (br#"xurl(a"b);c";"#, &[]),
        (br#"\;url(a"b);c";"#, &[]),
        (br#"\41 url(a"b);c";"#, &[]),
        (br#"\0000041 url(a"b);"#, &[18]),
        (b"\\41\r\nurl(a\"b);c\";", &[]),
    ];
    for (input, expected) in cases {
        assert_eq!(safe_points(input), *expected, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(safe_points_skipping(input).0, *expected, "{:?} skipping", String::from_utf8_lossy(input));
    }
}

#[test]
fn unquoted_url_holding_delimiters() {
    check("a{b:url(http://x/a;b{c}d)}", r#"a{b:url("http://MAPPED-x/a;b{c}d")}"#);
    check("a{b:url(http://x/a/*b*/c)}", r#"a{b:url("http://MAPPED-x/a/*b*/c")}"#);
    check(r"a{b:url(http://x/a\;b)}", r#"a{b:url("http://MAPPED-x/a;b")}"#);
}

#[test]
fn rewrite_css_reports_changes() {
    let mut out = String::new();
    assert!(!rewrite_css("a{color:red}", &TestMap, &mut out));
    assert!(!rewrite_css("a{b:url(rel.png)}", &TestMap, &mut out));
    assert!(rewrite_css("a{b:url(http://x/)}", &TestMap, &mut out));

    /// Maps every URL to itself.
    struct Identity;
    impl UrlMap for Identity {
        fn map_url(&self, raw: &str) -> Option<String> {
            Some(raw.to_owned())
        }
    }
    let mut same = String::new();
    assert!(!rewrite_css(r#"a{b:url("x") image-set('y' 1x)}"#, &Identity, &mut same));
    assert_eq!(same, r#"a{b:url("x") image-set('y' 1x)}"#);
    // Re-quoting an unquoted URL is a change, even to the same address.
    assert!(rewrite_css("a{b:url(x)}", &Identity, &mut same));
}

#[test]
fn only_the_first_string_in_url_is_the_url() {
    check(r#"a{b:url("http://x/a" "http://x/b")}"#, r#"a{b:url("http://MAPPED-x/a" "http://x/b")}"#);
}

#[test]
fn oversize_segment_passes_through_then_rewriting_resumes() {
    let long = format!("http://x/{}", "a".repeat(100));
    let input = format!("a{{b:url({long})}}c{{d:url(http://x/c)}}");
    let expected = format!("a{{b:url({long})}}c{{d:url(\"http://MAPPED-x/c\")}}");
    let out = stream_all_chunkings(input.as_bytes(), 40);
    assert_eq!(String::from_utf8_lossy(&out), expected);
}

#[test]
fn huge_tail_is_not_buffered() {
    let max_buffer = 1024;
    let mut rewriter = CssStreamRewriter::new(TestMap, max_buffer);
    let mut out = Vec::new();
    rewriter.write(b"a{content:\"", &mut out);
    let filler = "é;}".repeat(100_000);
    for piece in filler.as_bytes().chunks(4093) {
        rewriter.write(piece, &mut out);
        assert!(rewriter.pending.len() <= max_buffer.max(3));
        // Every emitted piece ends on a char boundary.
        assert!(std::str::from_utf8(&out).is_ok());
    }
    rewriter.write(b"\"} b{c:url(http://x/b)}", &mut out);
    rewriter.finish(&mut out);
    let expected = format!("a{{content:\"{filler}\"}} b{{c:url(\"http://MAPPED-x/b\")}}");
    assert_eq!(String::from_utf8_lossy(&out), expected);
}

#[test]
fn invalid_utf8_segment_passes_through() {
    let input = b"a{x:\xff\xfe url(http://x/a);}b{c:url(http://x/b)}\xc3";
    let out = stream_all_chunkings(input, BIG);
    let expected = b"a{x:\xff\xfe url(http://x/a);}b{c:url(\"http://MAPPED-x/b\")}\xc3".to_vec();
    assert_eq!(out, expected);
    stream_all_chunkings(input, 5);
}

#[test]
fn multibyte_chars_split_across_chunks() {
    check(
        "a{content:\"é€😀\"}b{background:url(http://x/ü€😀)}",
        "a{content:\"é€😀\"}b{background:url(\"http://MAPPED-x/ü€😀\")}",
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    for (open, close) in [("(", ")"), ("{", "}"), ("[", "]"), ("image-set(", ")")] {
        let input = format!("{}url(http://x/a){}", open.repeat(50_000), close.repeat(50_000));
        let mut out = String::new();
        rewrite_css(&input, &TestMap, &mut out);
        // Too deep to look inside: copied as is.
        assert_eq!(out, input);
        stream_chunks(TestMap, BIG, &[input.as_bytes()]);
    }
    check("((((url(http://x/a))))", "((((url(\"http://MAPPED-x/a\"))))");
}

/// Builds a ~100 KB stylesheet of realistic rules together with its expected rewrite.
fn realistic_stylesheet(rng: &mut Rng) -> (String, String) {
    let mut sheet = (String::new(), String::new());
    let both = |sheet: &mut (String, String), input: &str, expected: &str| {
        sheet.0.push_str(input);
        sheet.1.push_str(expected);
    };
    both(
        &mut sheet,
        "@charset \"utf-8\";\n@import url(\"https://fonts.example/css?family=A;B\");\n",
        "@charset \"utf-8\";\n@import url(\"http://MAPPED-fonts.example/css?family=A;B\");\n",
    );
    both(&mut sheet, "@import 'http://cdn.x/base.css' screen;\n", "@import 'http://MAPPED-cdn.x/base.css' screen;\n");
    let mut n = 0;
    while sheet.0.len() < 100_000 {
        n += 1;
        match rng.below(9) {
            0 => both(
                &mut sheet,
                &format!(".c{n} {{ background: #fff url(https://cdn.x/img/{n}.png) no-repeat; color: red; }}\n"),
                &format!(
                    ".c{n} {{ background: #fff url(\"http://MAPPED-cdn.x/img/{n}.png\") no-repeat; color: red; }}\n"
                ),
            ),
            1 => both(
                &mut sheet,
                &format!("#i{n}:hover > a[href$=\".pdf\"] {{ background-image: url('//cdn.x/{n}.svg#frag'); }}\n"),
                &format!("#i{n}:hover > a[href$=\".pdf\"] {{ background-image: url('//cdn.x/{n}.svg#frag'); }}\n"),
            ),
            2 => both(
                &mut sheet,
                &format!(
                    "@font-face {{ font-family: \"F{n}\"; src: url(\"https://f.x/{n}.woff2\") format(\"woff2\"), url(https://f.x/{n}.woff) format(\"woff\"); font-display: swap; }}\n"
                ),
                &format!(
                    "@font-face {{ font-family: \"F{n}\"; src: url(\"http://MAPPED-f.x/{n}.woff2\") format(\"woff2\"), url(\"http://MAPPED-f.x/{n}.woff\") format(\"woff\"); font-display: swap; }}\n"
                ),
            ),
            3 => both(
                &mut sheet,
                &format!(
                    "@media (min-width: {n}px) and (max-width: 9999px) {{\n  .m{n} {{ background: image-set(\"https://x/{n}.avif\" type(\"image/avif\") 1x, url(https://x/{n}@2x.png) 2x); }}\n}}\n"
                ),
                &format!(
                    "@media (min-width: {n}px) and (max-width: 9999px) {{\n  .m{n} {{ background: image-set(\"http://MAPPED-x/{n}.avif\" type(\"image/avif\") 1x, url(\"http://MAPPED-x/{n}@2x.png\") 2x); }}\n}}\n"
                ),
            ),
            4 => both(
                &mut sheet,
                &format!(
                    "/* rule {n}: url(http://x/commented); {{ }} \"unbalanced */\n.d{n}::before {{ content: \"→ url(http://x/{n}); }}\"; }}\n"
                ),
                &format!(
                    "/* rule {n}: url(http://x/commented); {{ }} \"unbalanced */\n.d{n}::before {{ content: \"→ url(http://x/{n}); }}\"; }}\n"
                ),
            ),
            5 => both(
                &mut sheet,
                &format!(
                    ".e{n} {{ cursor: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk{n}+A8AAQUBAScY42YAAAAASUVORK5CYII=), auto; }}\n"
                ),
                &format!(
                    ".e{n} {{ cursor: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk{n}+A8AAQUBAScY42YAAAAASUVORK5CYII=), auto; }}\n"
                ),
            ),
            6 => both(
                &mut sheet,
                &format!(
                    ".f{n} {{ --v: calc(1px + {n}%); width: calc(100% - var(--v, 2px)); transform: translate(1px,2px) rotate({n}deg); }}\n"
                ),
                &format!(
                    ".f{n} {{ --v: calc(1px + {n}%); width: calc(100% - var(--v, 2px)); transform: translate(1px,2px) rotate({n}deg); }}\n"
                ),
            ),
            7 => both(
                &mut sheet,
                &format!(
                    ".g{n} {{ font-family: \"Ünïcødé {n}\", sans-serif; mask: url(\"http://x/m{n}.svg\\\"q\") }} .h\\3a {n} {{ x: url(http://x/es\\)c{n}) }}\n"
                ),
                &format!(
                    ".g{n} {{ font-family: \"Ünïcødé {n}\", sans-serif; mask: url(\"http://MAPPED-x/m{n}.svg\\\"q\") }} .h\\3a {n} {{ x: url(\"http://MAPPED-x/es)c{n}\") }}\n"
                ),
            ),
            _ => both(
                &mut sheet,
                &format!(
                    ".p{n} {{ & .q {{ background: -webkit-image-set('https://x/{n}.png' 1x, 'https://x/{n}-2.png' 2x) }} }}\n"
                ),
                &format!(
                    ".p{n} {{ & .q {{ background: -webkit-image-set('http://MAPPED-x/{n}.png' 1x, 'http://MAPPED-x/{n}-2.png' 2x) }} }}\n"
                ),
            ),
        }
    }
    sheet
}

#[test]
fn realistic_100kb_stylesheet_chunked_randomly() {
    let mut rng = Rng(42);
    let (input, expected) = realistic_stylesheet(&mut rng);
    assert!(input.len() >= 100_000);
    let mut out = String::new();
    assert!(rewrite_css(&input, &TestMap, &mut out));
    assert_eq!(out, expected);
    for round in 0..8 {
        let mut points: Vec<usize> = (0..rng.below(2000) + 1).map(|_| rng.below(input.len() + 1)).collect();
        let chunks = split_at_points(input.as_bytes(), &mut points);
        let streamed = stream_chunks(TestMap, 4096, &chunks);
        assert_eq!(String::from_utf8_lossy(&streamed), expected, "round {round}");
    }
    let bytes: Vec<&[u8]> = input.as_bytes().chunks(1).collect();
    assert_eq!(stream_chunks(TestMap, 4096, &bytes), expected.as_bytes());
}

/// Bytes drawn mostly from CSS punctuation and keywords, so random inputs hit real constructs.
fn css_ish() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"url(",
        b"URL(",
        b"image-set(",
        b"@import",
        b"@namespace",
        b"http://h/",
        b"\"",
        b"'",
        b"(",
        b")",
        b"[",
        b"]",
        b"{",
        b"}",
        b";",
        b"/*",
        b"*/",
        b"\\",
        b"\\61 ",
        b"\n",
        b"\r\n",
        b" ",
        b"a",
        b"-",
        b"#",
        b"\xc3\xa9",
        b"\xf0\x9f\x98\x80",
        b"\xff",
        b"\0",
        b",",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..80).prop_map(|v| v.concat())
}

fn chunk_by(input: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut rest = input;
    for &size in sizes.iter().cycle().take(input.len() + 1) {
        let (head, tail) = rest.split_at(size.min(rest.len()));
        chunks.push(head.to_vec());
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
    chunks
}

fn stream_owned(input: &[u8], sizes: &[usize], max_buffer: usize) -> Vec<u8> {
    let chunks = chunk_by(input, sizes);
    let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    stream_chunks(TestMap, max_buffer, &refs)
}

proptest! {
    #[test]
    fn never_panics_and_chunking_is_irrelevant(
        input in prop_oneof![css_ish(), prop::collection::vec(any::<u8>(), 0..200)],
        sizes in prop::collection::vec(1usize..9, 1..6),
        max_buffer in prop_oneof![Just(BIG), 0usize..40],
    ) {
        let whole = stream_chunks(TestMap, max_buffer, &[input.as_slice()]);
        prop_assert_eq!(&stream_owned(&input, &sizes, max_buffer), &whole);
        prop_assert_eq!(&stream_owned(&input, &[1], max_buffer), &whole);
        prop_assert_eq!(stream_chunks(NoMap, max_buffer, &[input.as_slice()]), input.clone());
        let text = String::from_utf8_lossy(&input);
        let mut out = String::new();
        rewrite_css(&text, &TestMap, &mut out);
        let mut same = String::new();
        rewrite_css(&text, &NoMap, &mut same);
        prop_assert_eq!(same, text.into_owned());
    }

    #[test]
    fn skipping_plain_bytes_splits_where_pushing_every_byte_does(
        input in prop_oneof![css_ish(), prop::collection::vec(any::<u8>(), 0..200)],
    ) {
        let (points, url_hint) = safe_points_skipping(&input);
        prop_assert_eq!(points, safe_points(&input));
        // A stylesheet the scanner gives no hint for is one the rewrite leaves alone.
        if !url_hint {
            let text = String::from_utf8_lossy(&input);
            let mut out = String::new();
            prop_assert!(!rewrite_css(&text, &TestMap, &mut out));
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let mut out = String::new();
        rewrite_css(&text, &TestMap, &mut out);
        stream_chunks(TestMap, 16, &[text.as_bytes()]);
    }
}

/// The saved stylesheets, with absolute URLs added so that there is something to map:
/// streamed under every chunking they come out as `rewrite_css` rewrites each whole (the
/// stream's fast paths skip plain bytes and declarations without a URL, and must lose
/// nothing).
#[test]
fn saved_real_stylesheets_rewrite_identically_at_any_chunking() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/pages") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "css") {
            let sheet = std::fs::read_to_string(&path).expect("utf-8 css");
            let input = format!(
                "@import 'https://cdn.test/b.css';\n{sheet}\n.x{{background:URL(https://cdn.test/a.png)}}\n\
                 .y{{background:-webkit-image-set(\"https://cdn.test/c.png\" 1x)}}"
            );
            let streamed = stream_all_chunkings(input.as_bytes(), 256 * 1024);
            let mut whole = String::new();
            rewrite_css(&input, &TestMap, &mut whole);
            assert_eq!(whole.matches("MAPPED-cdn.test").count(), 3, "{}", path.display());
            assert_eq!(String::from_utf8_lossy(&streamed), whole, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 5, "expected the saved stylesheets in {}", dir.display());
}
