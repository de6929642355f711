//! Before any load, every contender is asked for every page once in each mode: 200;
//! for HTML the contender's own script in it; what nginx serves is the page itself;
//! with compression, the body decodes (by its `Content-Encoding`) to as many bytes as
//! the same contender sent without, and a body said to be compressed is smaller than
//! decoded.
//! The coding and both sizes go into the table. Bodies are decoded with flate2, brotli
//! and zstd directly, not with Tandem's own decoder.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use http::{Method, header};

use crate::client::send;
use crate::contenders::Contender;
use crate::mode::{CHROMIUM_ACCEPT_ENCODING, Mode};
use crate::nginx::{Kind, PAGES};

/// One page as a contender answered it.
#[derive(Clone, Debug)]
pub struct Check {
    /// Its `Content-Encoding`, `None` for none (identity).
    pub encoding: Option<String>,
    /// Body bytes as sent (compressed, if it is).
    pub wire: usize,
    /// The body decoded.
    pub decoded: Bytes,
}

impl Check {
    /// The coding as the table shows it.
    pub fn coding(&self) -> &str {
        self.encoding.as_deref().unwrap_or("identity")
    }
}

/// Asks `contender` for every page of [`PAGES`] once, in order; `root` is the
/// upstream's root, `identity` what the same contender answered without compression
/// (for a contender in [`Mode::Compressed`]).
pub async fn check(contender: &Contender, root: &Path, identity: Option<&[Check]>) -> anyhow::Result<Vec<Check>> {
    let mut checks = Vec::new();
    for (p, (page, target)) in PAGES.iter().zip(&contender.pages).enumerate() {
        let (name, host) = (contender.name, &target.headers[0].1);
        let url = format!("http://{host}{}", target.path);
        let headers: Vec<(http::HeaderName, &str)> = target.headers[1..]
            .iter()
            .map(|(n, v)| Ok((http::HeaderName::from_bytes(n.as_bytes())?, v.as_str())))
            .collect::<anyhow::Result<_>>()?;
        let reply = send(target.addr, Method::GET, &url, &headers, String::new()).await?;
        ensure!(reply.status == http::StatusCode::OK, "{name}: {url}: {}", reply.status);
        let encoding = reply.headers.get(header::CONTENT_ENCODING).map(|v| v.to_str()).transpose()?;
        let decoded = Bytes::from(decode(encoding, &reply.body)?);
        if page.kind == Kind::Html {
            let text = String::from_utf8_lossy(&decoded);
            ensure!(text.contains(contender.marker), "{name}: {url} lacks {}", contender.marker);
        }
        if contender.marker == "</head>" {
            let file = std::fs::read(root.join(page.path.trim_start_matches('/')))?;
            ensure!(decoded == file, "{name}: {url} is not the page ({} bytes, not {})", decoded.len(), file.len());
        }
        let check = Check { encoding: encoding.map(str::to_owned), wire: reply.body.len(), decoded };
        if let Some(plain) = identity.and_then(|checks| checks.get(p)) {
            // Same length, not same bytes: hammerhead writes its session's id and the
            // upstream's port into every URL, and those differ between the modes.
            ensure!(
                check.decoded.len() == plain.decoded.len(),
                "{name}: {url} decodes to {} bytes, {} without compression",
                check.decoded.len(),
                plain.decoded.len()
            );
            let differ = check.decoded.iter().zip(&plain.decoded).filter(|(a, b)| a != b).count();
            if differ > 0 {
                eprintln!("peers: {name}: {} with compression differs in {differ} bytes", page.label);
            }
        }
        if check.encoding.is_some() {
            ensure!(check.wire < check.decoded.len(), "{name}: {url}: {} is no smaller", check.coding());
        } else if contender.mode == Mode::Compressed && contender.mode.loads(page) {
            eprintln!("peers: {name} answers {} uncompressed to {}", page.label, CHROMIUM_ACCEPT_ENCODING);
        }
        checks.push(check);
    }
    Ok(checks)
}

/// `body` decoded from the codings of a `Content-Encoding` value (`None`: identity),
/// applied in the order listed.
pub fn decode(content_encoding: Option<&str>, body: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut decoded = body.to_vec();
    let codings = content_encoding.unwrap_or_default().split(',').map(str::trim).filter(|c| !c.is_empty());
    for coding in codings.rev() {
        let mut out = Vec::new();
        match coding.to_ascii_lowercase().as_str() {
            "identity" => continue,
            "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&decoded[..]).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(&decoded[..]).read_to_end(&mut out),
            "br" => brotli::Decompressor::new(&decoded[..], 16 * 1024).read_to_end(&mut out),
            "zstd" => zstd::stream::read::Decoder::new(&decoded[..])?.read_to_end(&mut out),
            other => bail!("unknown content coding {other}"),
        }
        .with_context(|| format!("decoding {coding}"))?;
        decoded = out;
    }
    Ok(decoded)
}
