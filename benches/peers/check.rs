//! Before any load, every contender is asked for every page once in each mode: 200;
//! for HTML the contender's own script in it; what nginx serves is the page itself;
//! with compression, the body decodes (by its `Content-Encoding`) to what the same
//! contender sent without, and a body said to be compressed is smaller than decoded.
//! The coding and both sizes go into the table.

use std::path::Path;

use anyhow::ensure;
use bytes::Bytes;
use http::{Method, header};

use crate::client::send;
use crate::contenders::Contender;
use crate::mode::{Mode, decode};
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
            ensure!(
                check.decoded == plain.decoded,
                "{name}: {url} decodes to {} bytes, {} without compression",
                check.decoded.len(),
                plain.decoded.len()
            );
        }
        if check.encoding.is_some() {
            ensure!(check.wire < check.decoded.len(), "{name}: {url}: {} is no smaller", check.coding());
        } else if contender.mode == Mode::Compressed && contender.mode.loads(page) {
            eprintln!("peers: {name} answers {} uncompressed to {}", page.label, crate::mode::CHROMIUM_ACCEPT_ENCODING);
        }
        checks.push(check);
    }
    Ok(checks)
}
