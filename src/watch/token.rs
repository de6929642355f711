//! Watch link tokens: `<link id>.<expiry ms>.<HMAC-SHA256>`, signed with a key kept in
//! the data directory. A token proves that Tandem issued the link and when it lapses;
//! whether it was already used is in the records.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::Millis;

type HmacSha256 = Hmac<Sha256>;

/// The token is not one Tandem signed (or one signed with another key).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("this watch link is not valid")]
pub struct Forged;

/// What a genuine token says.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified<'t> {
    /// The watch link it names.
    pub link_id: &'t str,
    /// Whether its time is up (the agent who redeemed it may still come back by it).
    pub expired: bool,
}

/// Signs and checks watch link tokens.
pub struct WatchTokens {
    key: Vec<u8>,
}

impl WatchTokens {
    /// Tokens signed with `key`.
    pub fn new(key: &[u8]) -> Self {
        WatchTokens { key: key.to_vec() }
    }

    fn mac(&self, payload: &str) -> HmacSha256 {
        // HMAC takes keys of any length.
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
        mac.update(payload.as_bytes());
        mac
    }

    /// The token of link `id`, valid until `expires_at`.
    pub fn sign(&self, id: &str, expires_at: Millis) -> String {
        let payload = format!("{id}.{expires_at}");
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// What a token signed by us says at `now`.
    pub fn verify<'t>(&self, token: &'t str, now: Millis) -> Result<Verified<'t>, Forged> {
        let (payload, tag) = token.rsplit_once('.').ok_or(Forged)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Forged)?;
        // Constant time: `verify_slice` compares without early exit.
        self.mac(payload).verify_slice(&tag).map_err(|_| Forged)?;
        let (link_id, expires_at) = payload.split_once('.').ok_or(Forged)?;
        let expires_at: Millis = expires_at.parse().map_err(|_| Forged)?;
        Ok(Verified { link_id, expired: now >= expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let tokens = WatchTokens::new(b"secret");
        let token = tokens.sign("w_abc", 1_000);
        assert_eq!(tokens.verify(&token, 999), Ok(Verified { link_id: "w_abc", expired: false }));
        assert_eq!(tokens.verify(&token, 1_000), Ok(Verified { link_id: "w_abc", expired: true }));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_forged() {
        let tokens = WatchTokens::new(b"secret");
        let token = tokens.sign("w_abc", 1_000);
        let later = token.replace(".1000.", ".9000.");
        assert_eq!(tokens.verify(&later, 0), Err(Forged));
        let other = token.replace("w_abc", "w_abd");
        assert_eq!(tokens.verify(&other, 0), Err(Forged));
        assert_eq!(WatchTokens::new(b"other").verify(&token, 0), Err(Forged));
        for junk in ["", ".", "a.b", "a.b.c", "w_abc.1000.!!!", "ünï.1.code"] {
            assert_eq!(tokens.verify(junk, 0), Err(Forged), "{junk}");
        }
    }
}
