use proptest::prelude::*;

use super::*;
use crate::rewrite::decode::{ALL_CODINGS, Decoder};
use crate::rewrite::filter::run_split;

const PAGE: &[u8] = include_bytes!("../../fixtures/pages/django-admin-user-change.html");

fn decode(coding: Coding, encoded: &[u8]) -> Vec<u8> {
    let mut decoder = Decoder::new(coding, 1000).expect("decoder");
    run_split(&mut decoder, encoded, &[]).expect("decodes")
}

#[test]
fn the_browsers_preferred_coding_is_picked_and_refused_ones_never() {
    let all = &RESPONSE_CODINGS;
    for (accept, expected) in [
        ("gzip, deflate, br, zstd", Some(Coding::Zstd)),
        ("gzip, deflate, br", Some(Coding::Brotli)),
        ("gzip, deflate", Some(Coding::Gzip)),
        ("GZIP", Some(Coding::Gzip)),
        ("x-gzip", Some(Coding::Gzip)),
        ("gzip;q=0.5, zstd;q=0.8", Some(Coding::Zstd)),
        ("br;q=0, gzip", Some(Coding::Gzip)),
        ("br;q=0, gzip;q=0, zstd;q=0", None),
        ("*", Some(Coding::Zstd)),
        ("*;q=0.1, zstd;q=0", Some(Coding::Brotli)),
        ("*;q=0", None),
        ("identity", None),
        ("", None),
        ("gzip;q=nonsense", None),
        ("gzip;q=2", None),
        ("gzip ; q=0.3 , br ; Q=0.2", Some(Coding::Gzip)),
        (",,;, gzip", Some(Coding::Gzip)),
    ] {
        assert_eq!(negotiate(accept, all), expected, "{accept:?}");
    }
    assert_eq!(negotiate("br, gzip", &[Coding::Gzip]), Some(Coding::Gzip), "only what is offered");
}

#[test]
fn every_coding_decodes_to_the_input_at_any_chunking() {
    for coding in ALL_CODINGS {
        for splits in [vec![], vec![1, 2, 3], (0..PAGE.len()).step_by(997).collect(), vec![PAGE.len() / 2]] {
            let encoded = run_split(&mut Encoder::new(coding), PAGE, &splits).expect("encodes");
            assert!(encoded.len() < PAGE.len() / 3, "{coding:?} hardly compressed: {}", encoded.len());
            assert!(decode(coding, &encoded) == PAGE, "{coding:?} at {splits:?}");
        }
    }
}

/// What a chunk yields decodes at once to everything written so far: the browser can
/// show the head before the rest of the body comes.
#[test]
fn the_output_of_each_chunk_decodes_to_all_input_so_far() {
    for coding in ALL_CODINGS {
        let mut encoder = Encoder::new(coding);
        let mut decoder = Decoder::new(coding, 1000).expect("decoder");
        let mut decoded = Vec::new();
        for (i, chunk) in PAGE.chunks(4096).enumerate() {
            let mut out = Vec::new();
            encoder.write(chunk, &mut out).expect("encodes");
            assert!(!out.is_empty(), "{coding:?}: chunk {i} held back");
            decoder.write(&out, &mut decoded).expect("decodes");
            assert!(decoded == PAGE[..(i * 4096 + chunk.len())], "{coding:?}: chunk {i} not whole");
        }
    }
}

/// Tandem's scripts: compressed whole at the highest level, each coding decodes to the
/// body and is smaller than at the level of rewritten bodies; a zstd frame told a wrong
/// length fails rather than going out corrupt.
#[test]
fn a_whole_body_at_the_highest_level_decodes_and_is_smaller() {
    for coding in [Coding::Brotli, Coding::Zstd, Coding::Gzip] {
        let best = run_split(&mut Encoder::highest_for_length(coding, PAGE.len() as u64), PAGE, &[]).expect("encodes");
        let streamed = run_split(&mut Encoder::new(coding), PAGE, &[]).expect("encodes");
        assert!(best.len() < streamed.len(), "{coding:?}: {} vs {} bytes", best.len(), streamed.len());
        assert!(decode(coding, &best) == PAGE, "{coding:?}");
    }
    let mut told_wrong = Encoder::highest_for_length(Coding::Zstd, PAGE.len() as u64 + 1);
    assert!(run_split(&mut told_wrong, PAGE, &[]).is_err());
}

#[test]
fn an_empty_body_is_a_valid_empty_stream() {
    for coding in ALL_CODINGS {
        let encoded = run_split(&mut Encoder::new(coding), b"", &[]).expect("encodes");
        assert!(decode(coding, &encoded).is_empty(), "{coding:?}");
    }
}

#[test]
fn a_write_after_the_end_is_refused() {
    let mut encoder = Encoder::new(Coding::Gzip);
    encoder.finish(&mut Vec::new()).expect("finishes");
    assert!(matches!(encoder.write(b"late", &mut Vec::new()), Err(FilterError::Encode { coding: "gzip", .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any bytes at any chunking come back whole in every coding.
    #[test]
    fn any_bytes_round_trip(body in proptest::collection::vec(any::<u8>(), 0..4096), cuts in proptest::collection::vec(0usize..4096, 0..8)) {
        let mut splits = cuts;
        splits.sort_unstable();
        for coding in ALL_CODINGS {
            let encoded = run_split(&mut Encoder::new(coding), &body, &splits).expect("encodes");
            prop_assert_eq!(decode(coding, &encoded), body.clone());
        }
    }
}
