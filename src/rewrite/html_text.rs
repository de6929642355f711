//! Element text the HTML rewriter rewrites whole: `<style>` sheets and import maps
//! (`<script type="importmap">`). Text arrives in pieces split anywhere; it is held (up
//! to a bound) and rewritten once the element's text is complete. Other scripts stream
//! through untouched.

use lol_html::html_content::{ContentType, TextChunk};
use lol_html::send::{Element, ElementContentHandlers};

use super::{Shared, lock};
use crate::rewrite::css::rewrite_css;
use crate::rewrite::importmap::rewrite_import_map;
use crate::rewrite::url::UrlRewriter;

/// `<style>` text: its CSS URLs are mapped.
pub(super) fn style_handler(state: Shared) -> ElementContentHandlers<'static> {
    ElementContentHandlers::default().text(move |chunk: &mut TextChunk| {
        hold(&state, chunk, |text, urls| {
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
            lock(&element_state).in_import_map = import_map;
            Ok(())
        })
        .text(move |chunk: &mut TextChunk| {
            if lock(&state).in_import_map {
                hold(&state, chunk, |text, urls| rewrite_import_map(text, urls));
            }
            Ok(())
        })
}

/// Holds `chunk` until its text node is complete, then writes `rewrite(text)` (or the
/// text as it was). Past the bound, what was held goes out as it was and the rest streams.
fn hold(state: &Shared, chunk: &mut TextChunk, rewrite: impl Fn(&str, &UrlRewriter) -> Option<String>) {
    let mut state = lock(state);
    let last = chunk.last_in_text_node();
    if !state.held_passthrough {
        if state.held_text.len() + chunk.as_str().len() > state.options.css_buffer_limit {
            let held = std::mem::take(&mut state.held_text);
            chunk.before(&held, ContentType::Html);
            state.held_passthrough = true;
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
