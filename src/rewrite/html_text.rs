//! Element text the HTML rewriter rewrites whole: `<style>` sheets and import maps
//! (`<script type="importmap">`). Text arrives in pieces split anywhere; it is held (up
//! to a bound) and rewritten once the element's text is complete. Other scripts stream
//! through untouched.
//!
//! Inside `<svg>` or `<math>` these elements hold markup, so one can sit in another and
//! lol_html hands the inner one's text to both handlers; only the innermost element's
//! handler takes it, or the text went into the one buffer twice.

use lol_html::html_content::{ContentType, TextChunk};
use lol_html::send::{Element, ElementContentHandlers};

use super::{Shared, lock};
use crate::rewrite::css::rewrite_css;
use crate::rewrite::importmap::rewrite_import_map;
use crate::rewrite::url::UrlRewriter;

/// What an open element whose text may be held is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Holder {
    Style,
    ImportMap,
    /// A script the import-map selector matched that is not one.
    OtherScript,
}

/// `<style>` text: its CSS URLs are mapped.
pub(super) fn style_handler(state: Shared) -> ElementContentHandlers<'static> {
    let element_state = state.clone();
    ElementContentHandlers::default()
        .element(move |el: &mut Element| {
            open(&element_state, el, Holder::Style);
            Ok(())
        })
        .text(move |chunk: &mut TextChunk| {
            hold(&state, chunk, Holder::Style, |text, urls| {
                let mut css = String::with_capacity(text.len());
                rewrite_css(text, urls, &mut css).then_some(css)
            });
            Ok(())
        })
}

/// `<script>`: an import map's URLs are mapped; any other script is left alone.
pub(super) fn script_handler(state: Shared) -> ElementContentHandlers<'static> {
    let element_state = state.clone();
    ElementContentHandlers::default()
        .element(move |el: &mut Element| {
            // The browser compares the type without surrounding whitespace, ignoring case.
            let import_map = el.get_attribute("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("importmap"));
            open(&element_state, el, if import_map { Holder::ImportMap } else { Holder::OtherScript });
            Ok(())
        })
        .text(move |chunk: &mut TextChunk| {
            hold(&state, chunk, Holder::ImportMap, |text, urls| rewrite_import_map(text, urls));
            Ok(())
        })
}

/// Notes that `el` is open until its end tag (which also closes whatever opened in it,
/// end tag or not).
fn open(state: &Shared, el: &mut Element, holder: Holder) {
    let depth = {
        let mut state = lock(state);
        state.holders.push(holder);
        state.holders.len() - 1
    };
    let state = state.clone();
    // Elements that cannot have an end tag hold no text either.
    let _ = el.on_end_tag(Box::new(move |_| {
        lock(&state).holders.truncate(depth);
        Ok(())
    }));
}

/// Holds `chunk` until its text node is complete, then writes `rewrite(text)` (or the
/// text as it was), if `holder` is the innermost open element. Past the bound, what was
/// held goes out as it was and the rest streams.
fn hold(state: &Shared, chunk: &mut TextChunk, holder: Holder, rewrite: impl Fn(&str, &UrlRewriter) -> Option<String>) {
    let mut state = lock(state);
    if state.holders.last() != Some(&holder) {
        return;
    }
    let last = chunk.last_in_text_node();
    if !state.held_passthrough {
        if state.held_text.len() + chunk.as_str().len() > state.options.css_buffer_limit {
            let held = std::mem::take(&mut state.held_text);
            chunk.before(&held, ContentType::Html);
            state.held_passthrough = true;
            state.held_bailed_out = true;
        } else {
            state.held_text.push_str(chunk.as_str());
            if last {
                let text = std::mem::take(&mut state.held_text);
                let rewritten = rewrite(&text, &state.urls).unwrap_or(text);
                chunk.replace(&rewritten, ContentType::Html);
            } else {
                chunk.remove();
            }
        }
    }
    if last {
        state.held_passthrough = false;
    }
}
