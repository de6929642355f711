//! The names of masked fields whose values a form of the session may have put into an
//! address (a GET form's password field), as the visitor's pages reported them
//! (`mask_params`, injector/PROTOCOL.md). The relay hands them to every page of the
//! session in its hello, so that the page a form opens, on any label, and that page
//! reloaded, mask those values before reporting their address or sending a snapshot.
//! Names only: a value never leaves the visitor's browser. Kept in memory with the
//! session; a page that sends many names only masks more of its own addresses.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Most names kept per session; past it, [`ALL`] stands for every name (as in the page).
pub const MAX_MASKED_PARAMS: usize = 256;
/// Longest name kept; a longer one counts as [`ALL`].
pub const MAX_MASKED_PARAM_LEN: usize = 128;
/// The name that masks the value of every parameter.
pub const ALL: &str = "*";

/// The masked field names of one session.
#[derive(Debug, Default)]
pub struct MaskedParams(Mutex<BTreeSet<String>>);

impl MaskedParams {
    /// Adds `names` (as the page sent them: only non-empty strings count).
    pub fn learn<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for name in names.into_iter().filter(|n| !n.is_empty()) {
            let fits = name.len() <= MAX_MASKED_PARAM_LEN && known.len() < MAX_MASKED_PARAMS;
            known.insert(if fits { name } else { ALL }.to_owned());
        }
    }

    /// Every name so far.
    pub fn names(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_once_and_bounded() {
        let params = MaskedParams::default();
        params.learn(["pw", "", "pw", "token"]);
        assert_eq!(params.names(), ["pw", "token"]);
        params.learn([&*"x".repeat(MAX_MASKED_PARAM_LEN + 1)]);
        assert_eq!(params.names(), [ALL, "pw", "token"]);
        let many: Vec<String> = (0..2 * MAX_MASKED_PARAMS).map(|i| format!("f{i}")).collect();
        params.learn(many.iter().map(String::as_str));
        assert_eq!(params.names().len(), MAX_MASKED_PARAMS);
    }
}
