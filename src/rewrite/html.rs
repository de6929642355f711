//! The HTML rewriter: a lol_html pass that maps every URL-bearing attribute, rewrites
//! inline CSS and import maps, removes what would break the page under its label (`integrity`, CSP in
//! `<meta>`), and puts the runtime script first in the document, before any page script.
//! The element handler is in `html_element.rs`. An `<iframe srcdoc>` holds a document
//! of its own: it goes through a rewriter of the same kind (see `html_handlers.rs`). A document without elements gets the runtime at
//! its end, if it ends in text (see `html_end.rs`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use lol_html::errors::RewritingError;
use lol_html::html_content::ContentType;
use lol_html::send::{DocumentContentHandlers, ElementContentHandlers, HtmlRewriter, Settings};
use lol_html::{AsciiCompatibleEncoding, MemorySettings, OutputSink, Selector};

use super::filter::{BailOut, BodyFilter, FilterError, FilterReport};
use super::url::UrlRewriter;
use crate::injector::page_script_tag;

/// What all handlers of one document share.
struct PageState {
    urls: UrlRewriter,
    base_seen: bool,
    /// Text of the `<style>` or import map being held.
    held_text: String,
    held_passthrough: bool,
    /// A held text outgrew its bound and passed through (for the metrics).
    held_bailed_out: bool,
    /// The open elements whose text is held (see `html_text.rs`), innermost last.
    holders: Vec<text::Holder>,
    /// The bounds this document was given, also for the documents its `srcdoc`s hold.
    options: HtmlOptions,
    /// How many `srcdoc` documents this one is nested in.
    nesting: usize,
}

type Shared = Arc<Mutex<PageState>>;

fn lock(state: &Shared) -> MutexGuard<'_, PageState> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Output of the lol_html rewriter, drained after each write.
#[derive(Clone, Default)]
struct SharedSink(Arc<Mutex<Vec<u8>>>);

impl OutputSink for SharedSink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(chunk);
    }
}

/// Settings of one HTML rewrite.
#[derive(Clone, Copy)]
pub struct HtmlOptions {
    /// Encoding from the `Content-Type` header, if it named one.
    pub header_encoding: Option<&'static encoding_rs::Encoding>,
    /// Memory the rewriter may hold before passing the rest through untouched.
    pub memory_limit: usize,
    /// Largest `<style>` or import map text buffered for rewriting.
    pub css_buffer_limit: usize,
}

/// The HTML body filter.
pub struct HtmlFilter {
    rewriter: Option<HtmlRewriter<'static, SharedSink>>,
    sink: SharedSink,
    /// Whether the runtime went before an element.
    injected: Arc<AtomicBool>,
    /// Until it has, where the tokenizer is, told to the end handler in `ends_in_text`.
    tail: TextEnd,
    ends_in_text: Arc<AtomicBool>,
    /// What the handlers share, read for the report.
    state: Shared,
    /// The rewriter reached its memory limit and let the rest through.
    bailed_out: bool,
}

impl HtmlFilter {
    /// A rewriter for one document whose URLs `urls` maps. Returns `None` for encodings
    /// lol_html cannot parse (not ASCII-compatible), which must pass through untouched.
    pub fn new(urls: UrlRewriter, options: &HtmlOptions) -> Option<Self> {
        Self::nested(urls, options, 0)
    }

    /// A rewriter for a document held in the `srcdoc` of `nesting` documents.
    fn nested(urls: UrlRewriter, options: &HtmlOptions, nesting: usize) -> Option<Self> {
        let encoding = match options.header_encoding {
            Some(e) => AsciiCompatibleEncoding::new(e)?,
            None => AsciiCompatibleEncoding::utf_8(),
        };
        let state: Shared = Arc::new(Mutex::new(PageState {
            urls,
            base_seen: false,
            held_text: String::new(),
            held_passthrough: false,
            held_bailed_out: false,
            holders: Vec::new(),
            options: *options,
            nesting,
        }));
        let injected = Arc::new(AtomicBool::new(false));
        let ends_in_text = Arc::new(AtomicBool::new(true));
        let at_end = (injected.clone(), ends_in_text.clone());
        let settings = Settings::new_send()
            .with_encoding(encoding)
            // The header's charset wins over <meta>, as in browsers.
            .with_adjust_charset_on_meta_tag(options.header_encoding.is_none())
            .with_strict(false)
            .with_memory_settings(
                MemorySettings::new()
                    .with_max_allowed_memory_usage(options.memory_limit)
                    .with_graceful_bail_out_on_memory_limit_exceeded(true),
            )
            .append_element_content_handler(selector("*", element_handler(state.clone(), injected.clone())))
            .append_document_content_handler(DocumentContentHandlers::default().end(
                move |end: &mut lol_html::html_content::DocumentEnd| {
                    let (injected, ends_in_text) = &at_end;
                    // Appended inside an unfinished tag or comment it would never run (see `html_end.rs`).
                    if !injected.load(Ordering::Relaxed) && ends_in_text.load(Ordering::Relaxed) {
                        end.append(page_script_tag(), ContentType::Html);
                    }
                    Ok(())
                },
            ))
            .append_element_content_handler(selector("style", text::style_handler(state.clone())))
            .append_element_content_handler(selector(IMPORT_MAP_SELECTOR, text::script_handler(state.clone())));
        let sink = SharedSink::default();
        let rewriter = Some(HtmlRewriter::new(settings, sink.clone()));
        Some(HtmlFilter { rewriter, sink, injected, tail: TextEnd::default(), ends_in_text, state, bailed_out: false })
    }

    fn drain(&self, out: &mut Vec<u8>) {
        out.append(&mut self.sink.0.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl BodyFilter for HtmlFilter {
    fn write(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        let Some(rewriter) = &mut self.rewriter else {
            out.extend_from_slice(input);
            return Ok(());
        };
        let result = rewriter.write(input);
        // Only the end handler reads where the tokenizer is, so a chunk can be followed
        // after lol_html has read it, and not at all once the runtime is in (most
        // documents put it in at `<head>`, in their first chunk).
        if !self.injected.load(Ordering::Relaxed) {
            self.tail.feed(input);
            self.ends_in_text.store(self.tail.in_text(), Ordering::Relaxed);
        }
        self.drain(out);
        self.after(result)
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), FilterError> {
        let result = match self.rewriter.take() {
            Some(rewriter) => rewriter.end(),
            None => Ok(()),
        };
        self.drain(out);
        self.after(result)
    }

    fn report(&self, report: &mut FilterReport) {
        if self.bailed_out {
            report.bail_outs.push(BailOut::HtmlMemory);
        }
        if lock(&self.state).held_bailed_out {
            report.bail_outs.push(BailOut::CssBuffer);
        }
    }
}

impl HtmlFilter {
    /// Past its memory limit lol_html has already flushed what it held (graceful
    /// bail-out); the rest of the page then passes through untouched.
    fn after(&mut self, result: Result<(), RewritingError>) -> Result<(), FilterError> {
        match result {
            Ok(()) => Ok(()),
            Err(RewritingError::MemoryLimitExceeded(_)) => {
                tracing::debug!("HTML rewriter reached its memory limit; passing the rest through");
                self.rewriter = None;
                self.bailed_out = true;
                Ok(())
            }
            Err(e) => Err(FilterError::Rewrite(e.to_string())),
        }
    }
}

/// Scripts that may be import maps (the handler checks the exact type): a text handler on
/// every script would make lol_html hand out the text of every inline script, which
/// halved the speed of script-heavy pages.
const IMPORT_MAP_SELECTOR: &str = r#"script[type*="importmap" i]"#;

/// Every selector the rewriter uses, parsed once: building them for each response
/// would cost more than rewriting a small page.
static SELECTORS: LazyLock<HashMap<&'static str, Selector>> = LazyLock::new(|| {
    ["*", "style", IMPORT_MAP_SELECTOR]
        .into_iter()
        // Our selectors are constants; the unit tests parse every one of them.
        .map(|css| (css, css.parse::<Selector>().unwrap_or_else(|e| panic!("built-in selector {css:?}: {e}"))))
        .collect()
});

fn selector(
    css: &'static str,
    handlers: ElementContentHandlers<'static>,
) -> (Cow<'static, Selector>, ElementContentHandlers<'static>) {
    let parsed = SELECTORS.get(css).unwrap_or_else(|| panic!("selector {css:?} is not in SELECTORS"));
    (Cow::Borrowed(parsed), handlers)
}

#[path = "html_element.rs"]
mod element;
use element::{element_handler, set_mapped};

#[path = "html_handlers.rs"]
mod handlers;

#[path = "html_text.rs"]
mod text;

#[path = "html_end.rs"]
mod end;
use end::TextEnd;

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
