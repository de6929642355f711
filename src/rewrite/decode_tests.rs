//! Decoder tests: every coding, at every chunking, and the expansion bound.

use std::io::Write;

use super::*;
use crate::rewrite::filter::run_split;

fn sample() -> Vec<u8> {
    (0..20_000).map(|i| format!("<p>line {i}</p>\n")).collect::<String>().into_bytes()
}

fn encode(coding: Coding, data: &[u8]) -> Vec<u8> {
    match coding {
        Coding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).expect("gzip");
            e.finish().expect("gzip")
        }
        Coding::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).expect("zlib");
            e.finish().expect("zlib")
        }
        Coding::Brotli => {
            let mut out = Vec::new();
            let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            e.write_all(data).expect("br");
            drop(e);
            out
        }
        Coding::Zstd => zstd::encode_all(data, 3).expect("zstd"),
    }
}

#[test]
fn every_coding_decodes_at_any_chunking() {
    let data = sample();
    for coding in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd] {
        let encoded = encode(coding, &data);
        for splits in [vec![], (1..encoded.len().min(300)).collect::<Vec<_>>(), vec![1, 2, 7, encoded.len() / 2]] {
            let mut d = Decoder::new(coding, 1000).expect("decoder");
            assert_eq!(run_split(&mut d, &encoded, &splits).expect("decodes"), data, "{coding:?}");
        }
    }
}

#[test]
fn raw_deflate_is_accepted_too() {
    let data = sample();
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&data).expect("deflate");
    let raw = e.finish().expect("deflate");
    let mut d = Decoder::new(Coding::Deflate, 1000).expect("decoder");
    assert_eq!(run_split(&mut d, &raw, &[1]).expect("decodes"), data);
}

#[test]
fn decompression_bombs_stop_at_the_ratio() {
    let bomb = vec![0u8; 64 * 1024 * 1024];
    for coding in [Coding::Gzip, Coding::Brotli, Coding::Zstd] {
        let encoded = encode(coding, &bomb);
        let mut d = Decoder::new(coding, 10).expect("decoder");
        let mut out = Vec::new();
        let err = d.write(&encoded, &mut out).and_then(|()| d.finish(&mut out)).expect_err("bounded");
        assert!(matches!(err, FilterError::ExpansionLimit { ratio: 10 }), "{coding:?}: {err}");
        assert!(out.len() < 8 * 1024 * 1024, "{coding:?} produced {}", out.len());
    }
}

#[test]
fn corrupt_bodies_are_errors_not_panics() {
    for coding in [Coding::Gzip, Coding::Deflate, Coding::Brotli, Coding::Zstd] {
        let mut d = Decoder::new(coding, 10).expect("decoder");
        let mut out = Vec::new();
        let result =
            d.write(b"this is not compressed at all, not even a little", &mut out).and_then(|()| d.finish(&mut out));
        assert!(result.is_err(), "{coding:?}");
    }
}

#[test]
fn content_encoding_lists_parse() {
    assert_eq!(parse_content_encoding("gzip"), Some(vec![Coding::Gzip]));
    assert_eq!(parse_content_encoding("deflate, br"), Some(vec![Coding::Deflate, Coding::Brotli]));
    assert_eq!(parse_content_encoding("identity"), Some(vec![]));
    assert_eq!(parse_content_encoding("compress"), None);
}

/// An upstream that flushes its head and then stalls (still computing the page): what
/// its head decodes to goes on to the rewriter at once, not when the next chunk comes.
#[test]
fn a_head_flushed_before_the_upstream_stalls_is_decoded_at_once() {
    let head = b"<!doctype html><html><head><title>Slow to finish</title>";
    for coding in ALL_CODINGS {
        let mut flushed = Vec::new();
        crate::rewrite::encode::Encoder::new(coding).write(head, &mut flushed).expect("encodes");
        let mut decoder = Decoder::new(coding, 100).expect("decoder");
        let mut out = Vec::new();
        decoder.write(&flushed, &mut out).expect("decodes");
        assert_eq!(out, head, "{coding:?}: the head waited for more of the body");
    }
}
