//! What compressing rewritten bodies costs and gains, per coding and level: on the real
//! pages and stylesheets of `fixtures/pages`, fed in 16 KiB chunks with a flush after
//! each (as `rewrite::encode::Encoder` does behind the rewriter), the compressed size
//! next to the upstream's usual gzip (level 6, one piece) and the encoder's speed.
//! The levels in `rewrite/encode.rs` were chosen from this table (BENCHMARKS.md,
//! "Compression").
//!
//! Run: `cargo bench --bench compress` (prints a Markdown table; `-- --quick` for one
//! pass per cell instead of one second, as under `cargo test`).

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use tandem::rewrite::decode::Coding;
use tandem::rewrite::encode::{Encoder, RESPONSE_CODINGS};
use tandem::rewrite::filter::run_split;

/// Chunk size, as the rewriter hands on a network's reads.
const CHUNK: usize = 16 * 1024;
/// The bodies measured: the largest page of each app, and the largest stylesheets.
const BODIES: &[&str] = &[
    "django-admin-user-changelist-all.html",
    "django-admin-user-change.html",
    "datasette-table.html",
    "mkdocs-material-api.html",
    "swagger-ui-index.html",
    "django-admin-base.css",
    "mkdocs-material-main.min.css",
    "swagger-ui.css",
];
/// The codings and levels compared.
const CANDIDATES: &[(Coding, &[u32])] =
    &[(Coding::Gzip, &[1, 4, 6, 9]), (Coding::Brotli, &[1, 3, 4, 5, 6, 7]), (Coding::Zstd, &[1, 3, 6, 9])];

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: one pass per cell there
    // keeps it working without spending the suite's time.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
    let bodies: Vec<(&str, Vec<u8>)> =
        BODIES.iter().map(|name| (*name, std::fs::read(dir.join(name)).expect("a saved page"))).collect();
    let total: usize = bodies.iter().map(|(_, b)| b.len()).sum();
    let upstream: usize = bodies.iter().map(|(_, b)| one_piece_gzip(b).len()).sum();
    println!(
        "{} bodies, {:.1} KiB in all; the upstream's gzip -6 in one piece: {:.1} KiB",
        bodies.len(),
        kib(total),
        kib(upstream)
    );
    println!();
    println!("| coding | level | KiB out | of upstream gzip | worst body vs its gzip | MiB/s in | CPU ms per MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &(coding, levels) in CANDIDATES {
        for &level in levels {
            let mut out = 0;
            let mut worst: f64 = 0.0;
            for (_, body) in &bodies {
                let size = encode(coding, level, body).len();
                out += size;
                worst = worst.max(size as f64 / one_piece_gzip(body).len() as f64);
            }
            let per_pass = time(quick, || {
                for (_, body) in &bodies {
                    black_box(encode(coding, level, body));
                }
            });
            let mib_per_s = total as f64 / (1024.0 * 1024.0) / per_pass.as_secs_f64();
            println!(
                "| {} | {level} | {:.1} | {:.3} | {worst:.3} | {mib_per_s:.0} | {:.1} |",
                coding.token(),
                kib(out),
                out as f64 / upstream as f64,
                1000.0 / mib_per_s
            );
        }
    }
    per_body(&bodies);
}

/// Each body as Tandem sends it at the chosen levels, next to the upstream's gzip.
fn per_body(bodies: &[(&str, Vec<u8>)]) {
    println!();
    println!("| body | bytes | upstream gzip | zstd (Tandem) | br (Tandem) | gzip (Tandem) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, body) in bodies {
        let gzip = one_piece_gzip(body).len();
        let sizes = RESPONSE_CODINGS
            .map(|coding| run_split(&mut Encoder::new(coding), body, &chunks(body)).expect("encodes").len());
        let cell = |size: usize| format!("{size} ({:.3})", size as f64 / gzip as f64);
        println!("| {name} | {} | {gzip} | {} | {} | {} |", body.len(), cell(sizes[0]), cell(sizes[1]), cell(sizes[2]));
    }
}

fn chunks(body: &[u8]) -> Vec<usize> {
    (CHUNK..body.len()).step_by(CHUNK).collect()
}

fn encode(coding: Coding, level: u32, body: &[u8]) -> Vec<u8> {
    run_split(&mut Encoder::with_level(coding, level), body, &chunks(body)).expect("encodes")
}

fn one_piece_gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(body).expect("gzip");
    encoder.finish().expect("gzip")
}

/// The mean time of one pass: one pass after a warm-up in quick mode, else as many as
/// fit in a second.
fn time(quick: bool, mut pass: impl FnMut()) -> Duration {
    pass();
    let start = Instant::now();
    let mut passes = 0;
    while passes == 0 || (!quick && start.elapsed() < Duration::from_secs(1)) {
        pass();
        passes += 1;
    }
    start.elapsed() / passes
}

fn kib(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}
