//! The names of masked fields whose values a form of the session may have put into an
//! address (a GET form's password field), as the visitor's pages reported them
//! (`mask_params`, injector/PROTOCOL.md). The relay hands them to every page of the
//! session in its hello, so that the page a form opens, on any label, and that page
//! reloaded, mask those values before reporting their address or sending a snapshot.
//! Names only: a value never leaves the visitor's browser. Kept with the session in the
//! records too, so that a page reloaded after a restart of Tandem still masks them; a
//! page that sends many names only masks more of its own addresses.

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
    /// Names as [`MaskedParams::to_json`] saved them; what cannot be read is taken
    /// through [`MaskedParams::learn`]'s bounds, or masks every name if it is no list.
    pub fn from_json(json: Option<&str>) -> Self {
        let params = MaskedParams::default();
        match json.filter(|j| !j.is_empty()).map(serde_json::from_str::<Vec<String>>) {
            None => {}
            Some(Ok(names)) => {
                params.learn(names.iter().map(String::as_str));
            }
            // Masking too much hides a parameter; masking too little shows a password.
            Some(Err(_)) => {
                params.learn([ALL]);
            }
        }
        params
    }

    /// The names as a JSON array, for the records.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.names()).unwrap_or_default()
    }

    /// Adds `names` (as the page sent them: only non-empty strings count); whether one
    /// was new.
    pub fn learn<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> bool {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut learnt = false;
        for name in names.into_iter().filter(|n| !n.is_empty()) {
            let fits = name.len() <= MAX_MASKED_PARAM_LEN && known.len() < MAX_MASKED_PARAMS;
            learnt |= known.insert(if fits { name } else { ALL }.to_owned());
        }
        learnt
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
        assert!(!params.learn(["pw"]), "nothing new");
    }

    #[test]
    fn names_survive_the_records_and_a_broken_save_masks_everything() {
        let params = MaskedParams::default();
        assert!(params.learn(["pw", "pin"]));
        let saved = params.to_json();
        assert_eq!(MaskedParams::from_json(Some(&saved)).names(), ["pin", "pw"]);
        assert!(MaskedParams::from_json(None).names().is_empty());
        assert!(MaskedParams::from_json(Some("")).names().is_empty());
        assert_eq!(MaskedParams::from_json(Some("{not a list")).names(), [ALL]);
    }
}
