//! Labels: the one DNS label that names a (session, upstream origin) pair inside the
//! content zone.
//!
//! A direct label is `<session><flag><port>-<host>`: the fixed-length session id, `h`
//! (http) or `s` (https), the port only when it is not the scheme's default, and the host
//! with `-` written as `--` and `.` as `-`. Hosts whose labels neither start nor end with
//! a hyphen (every valid DNS name) decode unambiguously: in the encoded host a run of one
//! hyphen is a dot and a run of `2k` hyphens is `k` hyphens. The session id comes first so
//! that a label can never begin with `xn--`, which browsers would take for punycode.
//!
//! Origins that do not fit in 63 characters, or whose host is not a plain LDH name (IPv6
//! literals, underscores), get a fallback label `<session>x-<hash>` that only the server
//! can resolve; the session keeps the table.

use std::fmt;

use sha2::{Digest, Sha256};
use url::Url;

/// Length of a session id, in characters of [`SESSION_ID_ALPHABET`].
pub const SESSION_ID_LEN: usize = 8;
/// Lower-case RFC 4648 base32: safe in host names, 5 bits a character.
const SESSION_ID_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Longest DNS label.
pub const MAX_LABEL_LEN: usize = 63;
/// Characters of hash in a fallback label (100 bits: collisions are not a concern).
const FALLBACK_HASH_LEN: usize = 20;
const FLAG_HTTP: u8 = b'h';
const FLAG_HTTPS: u8 = b's';
const FLAG_FALLBACK: u8 = b'x';

/// A proxy session's id, as it appears at the start of each of its labels.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SessionId(String);

impl SessionId {
    /// A new random id.
    pub fn generate() -> Self {
        SessionId(super::binding::random_chars(SESSION_ID_ALPHABET, SESSION_ID_LEN))
    }

    /// Accepts exactly [`SESSION_ID_LEN`] characters of the id alphabet.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == SESSION_ID_LEN && text.bytes().all(|b| SESSION_ID_ALPHABET.contains(&b));
        valid.then(|| SessionId(text.to_owned()))
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An upstream web origin: scheme, host and port. WebSocket URLs share the origin of
/// their http(s) counterpart, as browsers treat them.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UpstreamOrigin {
    secure: bool,
    host: String,
    /// `None` when the port is the scheme's default.
    port: Option<u16>,
}

impl UpstreamOrigin {
    /// The origin of an `http`, `https`, `ws` or `wss` URL; `None` for other schemes.
    pub fn from_url(url: &Url) -> Option<Self> {
        let secure = match url.scheme() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            _ => return None,
        };
        let host = url.host_str()?.to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let default = if secure { 443 } else { 80 };
        let port = url.port().filter(|&p| p != default);
        Some(UpstreamOrigin { secure, host, port })
    }

    /// Whether the upstream is reached over TLS.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host as it appears in URLs (IPv6 literals keep their brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, `None` for the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `https` or `http`.
    pub fn http_scheme(&self) -> &'static str {
        if self.secure { "https" } else { "http" }
    }

    /// The origin as browsers serialize it, e.g. `https://shop.test:8443`.
    pub fn serialize(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.http_scheme(), self.host),
            None => format!("{}://{}", self.http_scheme(), self.host),
        }
    }
}

/// What a label names.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DecodedLabel {
    /// The origin is written in the label itself.
    Direct {
        /// The session.
        session: SessionId,
        /// The upstream origin.
        origin: UpstreamOrigin,
    },
    /// A hashed label; the session's table knows the origin.
    Fallback {
        /// The session.
        session: SessionId,
    },
}

impl DecodedLabel {
    /// The session the label belongs to.
    pub fn session(&self) -> &SessionId {
        match self {
            DecodedLabel::Direct { session, .. } | DecodedLabel::Fallback { session } => session,
        }
    }
}

/// The reversible label of `origin` in `session`, or `None` when it does not fit.
pub fn encode_direct(session: &SessionId, origin: &UpstreamOrigin) -> Option<String> {
    let host = origin.host.as_bytes();
    let ldh = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let valid_host = origin.host.split('.').all(|part| {
        !part.is_empty() && !part.starts_with('-') && !part.ends_with('-') && part.bytes().all(|b| ldh(&b))
    });
    if !valid_host {
        return None;
    }
    let mut label = String::with_capacity(MAX_LABEL_LEN);
    label.push_str(session.as_str());
    label.push(if origin.secure { FLAG_HTTPS } else { FLAG_HTTP } as char);
    if let Some(port) = origin.port {
        label.push_str(&port.to_string());
    }
    label.push('-');
    for &b in host {
        match b {
            b'.' => label.push('-'),
            b'-' => label.push_str("--"),
            _ => label.push(b as char),
        }
        if label.len() > MAX_LABEL_LEN {
            return None;
        }
    }
    Some(label)
}

/// The hashed label of `origin` in `session`: deterministic, so the same origin always
/// gets the same label, and never colliding with a direct label (its flag is `x`).
pub fn fallback_label(session: &SessionId, origin: &UpstreamOrigin) -> String {
    let digest = Sha256::digest(origin.serialize().as_bytes());
    let mut label = String::with_capacity(SESSION_ID_LEN + 2 + FALLBACK_HASH_LEN);
    label.push_str(session.as_str());
    label.push(FLAG_FALLBACK as char);
    label.push('-');
    // Base32 over the digest's bits, 5 at a time.
    let mut bits = digest.iter().flat_map(|byte| (0..8).rev().map(move |i| (byte >> i) & 1));
    for _ in 0..FALLBACK_HASH_LEN {
        let index = (0..5).fold(0usize, |acc, _| (acc << 1) | usize::from(bits.next().unwrap_or(0)));
        label.push(SESSION_ID_ALPHABET[index] as char);
    }
    label
}

/// Reads a label. Only canonical labels are accepted: decoding and re-encoding gives
/// back the same text, so one origin never has two direct labels.
pub fn decode(label: &str) -> Option<DecodedLabel> {
    let session = SessionId::parse(label.get(..SESSION_ID_LEN)?)?;
    let rest = &label[SESSION_ID_LEN..];
    let (&flag, rest) = rest.as_bytes().split_first()?;
    let (port_digits, encoded_host) = std::str::from_utf8(rest).ok()?.split_once('-')?;
    match flag {
        FLAG_FALLBACK => {
            let hash_ok = port_digits.is_empty()
                && encoded_host.len() == FALLBACK_HASH_LEN
                && encoded_host.bytes().all(|b| SESSION_ID_ALPHABET.contains(&b));
            hash_ok.then_some(DecodedLabel::Fallback { session })
        }
        FLAG_HTTP | FLAG_HTTPS => {
            let secure = flag == FLAG_HTTPS;
            let port = if port_digits.is_empty() {
                None
            } else {
                let port = port_digits.parse::<u16>().ok()?;
                // A default port is never written, so a label naming one is not canonical.
                (port != if secure { 443 } else { 80 }).then_some(port)?;
                Some(port)
            };
            let origin = UpstreamOrigin { secure, host: decode_host(encoded_host)?, port };
            // Rejects leading zeros, default ports and non-canonical hosts in one check.
            (encode_direct(&session, &origin).as_deref() == Some(label))
                .then_some(DecodedLabel::Direct { session, origin })
        }
        _ => None,
    }
}

fn decode_host(encoded: &str) -> Option<String> {
    let mut host = String::with_capacity(encoded.len());
    let mut hyphens = 0usize;
    let flush = |host: &mut String, hyphens: &mut usize| -> Option<()> {
        match *hyphens {
            0 => {}
            1 => host.push('.'),
            n if n % 2 == 0 => host.extend(std::iter::repeat_n('-', n / 2)),
            _ => return None,
        }
        *hyphens = 0;
        Some(())
    };
    for c in encoded.chars() {
        if c == '-' {
            hyphens += 1;
        } else {
            flush(&mut host, &mut hyphens)?;
            host.push(c);
        }
    }
    flush(&mut host, &mut hyphens)?;
    Some(host)
}

#[cfg(test)]
#[path = "label_tests.rs"]
mod tests;
