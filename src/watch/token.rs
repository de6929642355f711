//! Watch link tokens: `<link id>.<expiry ms>.<HMAC-SHA256>`, signed with a key kept in
//! the data directory. A token proves that Tandem issued the link and when it lapses;
//! whether it was already used is in the records.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::Millis;

type HmacSha256 = Hmac<Sha256>;

/// Why a token is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    /// Not a token Tandem signed (or one signed with another key).
    #[error("this watch link is not valid")]
    Forged,
    /// Signed, but its time is up.
    #[error("this watch link has expired")]
    Expired,
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

    /// The link id of a token signed by us and not expired at `now`.
    pub fn verify<'t>(&self, token: &'t str, now: Millis) -> Result<&'t str, TokenRefused> {
        let (payload, tag) = token.rsplit_once('.').ok_or(TokenRefused::Forged)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| TokenRefused::Forged)?;
        // Constant time: `verify_slice` compares without early exit.
        self.mac(payload).verify_slice(&tag).map_err(|_| TokenRefused::Forged)?;
        let (id, expires_at) = payload.split_once('.').ok_or(TokenRefused::Forged)?;
        let expires_at: Millis = expires_at.parse().map_err(|_| TokenRefused::Forged)?;
        if now >= expires_at {
            return Err(TokenRefused::Expired);
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let tokens = WatchTokens::new(b"secret");
        let token = tokens.sign("w_abc", 1_000);
        assert_eq!(tokens.verify(&token, 999), Ok("w_abc"));
        assert_eq!(tokens.verify(&token, 1_000), Err(TokenRefused::Expired));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_forged() {
        let tokens = WatchTokens::new(b"secret");
        let token = tokens.sign("w_abc", 1_000);
        let later = token.replace(".1000.", ".9000.");
        assert_eq!(tokens.verify(&later, 0), Err(TokenRefused::Forged));
        let other = token.replace("w_abc", "w_abd");
        assert_eq!(tokens.verify(&other, 0), Err(TokenRefused::Forged));
        assert_eq!(WatchTokens::new(b"other").verify(&token, 0), Err(TokenRefused::Forged));
        for junk in ["", ".", "a.b", "a.b.c", "w_abc.1000.!!!", "ünï.1.code"] {
            assert_eq!(tokens.verify(junk, 0), Err(TokenRefused::Forged), "{junk}");
        }
    }
}
