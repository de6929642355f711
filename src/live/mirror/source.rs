//! Which of the visitor's pages is mirrored: the one the visitor is using now, as the
//! visitor's panels say (`injector/PROTOCOL.md`, "Panel socket"). A page's own word
//! counts for nothing here: any page of the session can open a presence socket and send
//! snapshots, so a page is mirrored, hears agents' actions and answers them only when it
//! is paired with a panel (Tandem's own frame in it, which no page script can reach)
//! and that panel is the one that most recently became visible. A page with no panel
//! (a browser where the panel cannot load, a page that removed it) is never mirrored:
//! without the panel the visitor would not see that it is watched.
//!
//! Pairing: the panel makes a random nonce, gives it to its parent page only, and opens
//! its socket with it; the page's runtime says it on the presence socket (`pair`). The
//! first open page to say a nonce holds it.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use super::{Mirror, State};

/// Most panels one visitor may have open at once (one per tab in a session), so that a
/// page making panels in a loop cannot grow the relay's memory. A new one takes the place
/// of the hidden one shown least recently, never of a visible one: a page cannot lock
/// out the panel of the tab the visitor uses.
pub const MAX_PANELS: usize = 64;
/// Length bounds of a pairing nonce (the panel makes 24 random bytes, base64url).
const NONCE_LEN: std::ops::RangeInclusive<usize> = 16..=64;

/// Whether `text` may be a pairing nonce: URL-safe base64 of a sensible length.
pub fn is_pairing_nonce(text: &str) -> bool {
    NONCE_LEN.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One of the visitor's pages, by its presence socket.
pub(super) struct PageTap {
    pub(super) id: u64,
    pub(super) queue: mpsc::Sender<Arc<str>>,
    /// The nonce of the panel it said is its own.
    pair: Option<String>,
    /// Where it last said it is (a real URL).
    url: Option<String>,
}

impl PageTap {
    pub(super) fn new(id: u64, queue: mpsc::Sender<Arc<str>>) -> Self {
        PageTap { id, queue, pair: None, url: None }
    }
}

/// One of the visitor's panels, by its panel socket.
pub(super) struct PanelTap {
    id: u64,
    nonce: String,
    /// Whether the tab it is in is visible (what its document sees).
    visible: bool,
    /// When it last became visible, in the mirror's order of such events.
    shown: u64,
    /// Notified when another panel took its place: its socket is to close.
    evicted: Arc<Notify>,
}

/// Why a panel was not taken.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PanelRefused {
    /// The visitor has [`MAX_PANELS`] open already, all of them visible.
    #[error("too many panels open")]
    TooMany,
}

impl Mirror {
    /// A panel connects with its pairing nonce; it starts hidden until it says otherwise.
    /// What tells it that it was evicted to make room for another.
    pub fn add_panel(&self, id: u64, nonce: &str) -> Result<Arc<Notify>, PanelRefused> {
        let mut state = self.state();
        if state.panels.len() >= MAX_PANELS {
            let hidden = state.panels.iter().enumerate().filter(|(_, p)| !p.visible);
            let (oldest, _) = hidden.min_by_key(|(_, p)| p.shown).ok_or(PanelRefused::TooMany)?;
            state.panels.remove(oldest).evicted.notify_one();
            state.choose_source();
        }
        let evicted = Arc::new(Notify::new());
        state.panels.push(PanelTap { id, nonce: nonce.to_owned(), visible: false, shown: 0, evicted: evicted.clone() });
        Ok(evicted)
    }

    /// A panel is gone: its page is no longer paired. The URL of the page mirrored
    /// instead, when another one is and said where it is.
    pub fn remove_panel(&self, id: u64) -> Option<String> {
        let mut state = self.state();
        state.panels.retain(|p| p.id != id);
        state.choose_source()
    }

    /// A panel says whether its tab is visible. The URL of the page mirrored now, when
    /// that changed and the page said where it is.
    pub fn panel_visible(&self, id: u64, visible: bool) -> Option<String> {
        let mut state = self.state();
        let shown = state.next_shown + 1;
        let panel = state.panels.iter_mut().find(|p| p.id == id)?;
        let became_visible = visible && !panel.visible;
        panel.visible = visible;
        if became_visible {
            panel.shown = shown;
            state.next_shown = shown;
        }
        state.choose_source()
    }

    /// A page says which panel is its own; a nonce another open page holds is not taken.
    /// The URL of the page mirrored now, when that changed.
    pub fn pair_page(&self, page: u64, nonce: &str) -> Option<String> {
        let mut state = self.state();
        if state.pages.iter().any(|p| p.id != page && p.pair.as_deref() == Some(nonce)) {
            return None;
        }
        state.pages.iter_mut().find(|p| p.id == page)?.pair = Some(nonce.to_owned());
        state.choose_source()
    }

    /// A page says where it is. Whether that is where the visitor is: the page is the
    /// mirrored one, or none is.
    pub fn page_at(&self, page: u64, url: String) -> bool {
        let mut state = self.state();
        let speaks = state.source.is_none_or(|s| s == page);
        if let Some(tap) = state.pages.iter_mut().find(|p| p.id == page) {
            tap.url = Some(url);
        }
        speaks
    }

    /// Whether `page` is the mirrored page, the one agents' actions go to.
    pub fn is_source(&self, page: u64) -> bool {
        self.state().source == Some(page)
    }
}

impl State {
    /// The panel `page` is paired with: the newest open one with its nonce.
    fn panel_of(&self, page: &PageTap) -> Option<&PanelTap> {
        let nonce = page.pair.as_deref()?;
        self.panels.iter().rev().find(|p| p.nonce == nonce)
    }

    /// Picks the mirrored page again: of the paired pages whose tab is visible, the one
    /// shown last; with none visible (the visitor is in another window or application),
    /// the one mirrored until now while it stays paired. On a change, the new page is
    /// asked for a snapshot; the URL it last said is returned.
    pub(super) fn choose_source(&mut self) -> Option<String> {
        let shown_last = self
            .pages
            .iter()
            .filter_map(|page| self.panel_of(page).filter(|panel| panel.visible).map(|panel| (panel.shown, page.id)))
            .max()
            .map(|(_, id)| id);
        let still_paired = |id: u64| self.pages.iter().any(|p| p.id == id && self.panel_of(p).is_some());
        let next = shown_last.or(self.source.filter(|&id| still_paired(id)));
        if next == self.source {
            return None;
        }
        self.source = next;
        self.snapshot_asked = false;
        if !self.agents.is_empty() {
            self.ask_snapshot();
        }
        let page = self.pages.iter().find(|p| Some(p.id) == next)?;
        page.url.clone()
    }
}
