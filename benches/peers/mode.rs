//! The two measurements of the run: *identity* (no `Accept-Encoding`, the upstream
//! serves every page plain: the table of every run since issue 6) and *with
//! compression* (every request sends Chromium's `Accept-Encoding`, the upstream gzips
//! what it serves as an application server does, the image left out).

use crate::nginx::{Kind, Page};

/// How the pages are asked for and served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No `Accept-Encoding`; the upstream serves every page plain.
    Identity,
    /// Chromium's `Accept-Encoding`; the upstream serves the text pages gzipped.
    Compressed,
}

/// What Chromium sends in `Accept-Encoding`.
pub const CHROMIUM_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

impl Mode {
    /// Both, in the order a round runs them.
    pub const ALL: [Mode; 2] = [Mode::Identity, Mode::Compressed];

    /// Its position in [`Mode::ALL`], for tables indexed by mode.
    pub fn index(self) -> usize {
        self as usize
    }

    /// A name for configurations and messages.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Identity => "identity",
            Mode::Compressed => "compressed",
        }
    }

    /// The `Accept-Encoding` header every request carries, if any.
    pub fn accept_encoding(self) -> Option<(&'static str, &'static str)> {
        (self == Mode::Compressed).then_some(("Accept-Encoding", CHROMIUM_ACCEPT_ENCODING))
    }

    /// Whether the load runs on `page` in this mode: the image (random bytes, which
    /// nothing compresses) only without compression.
    pub fn loads(self, page: &Page) -> bool {
        self == Mode::Identity || page.kind != Kind::Image
    }

    /// The nginx directives of an upstream serving in this mode: gzip at level 6 for
    /// text, as an application server does (`gzip_proxied any`: whichever proxy asks).
    pub fn upstream_directives(self) -> &'static str {
        match self {
            Mode::Identity => "",
            Mode::Compressed => {
                "    gzip on;\n    gzip_comp_level 6;\n    gzip_types text/css application/javascript;\n    \
                 gzip_vary on;\n    gzip_proxied any;\n"
            }
        }
    }
}
