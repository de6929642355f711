//! The in-page runtime as compiled into the binary: the page script and its worker part,
//! which `build.rs` concatenates from `injector/runtime/*.js` (and rrweb's recorder) and
//! minifies, and the markup and imports that load them. The proxy serves them
//! (`proxy::entry`), the HTML rewriter and the worker filter put them first.
//!
//! Pages load the runtime by a versioned URL (`/__tandem/runtime.js?v=<version>`) that
//! may be cached for good: after the first page, a load costs no request at all. A URL
//! with another version or none (a page cached before an upgrade, a script that names
//! the plain path) is answered with the current text and revalidated on every use.

mod script;

use std::sync::LazyLock;

pub use script::{JAVASCRIPT, Script};

/// Where every label serves the page runtime.
pub const PAGE_RUNTIME_PATH: &str = "/__tandem/runtime.js";
/// Where every label serves the worker part (for `blob:` workers and module workers).
pub const WORKER_RUNTIME_PATH: &str = "/__tandem/worker.js";

/// The runtime injected first into every proxied page: its parts inside one function, so
/// that none of their names becomes a global (the list of parts is `build.rs`'s).
pub const RUNTIME_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/runtime.js"));
/// The runtime's worker part: the URL mapper and the network and worker patches, set up
/// in a worker's global scope. Served before every worker script (see
/// `proxy::response`), and as `/__tandem/worker.js` for `blob:` workers to import.
pub const WORKER_RUNTIME_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/worker.js"));

/// The page runtime as served.
pub static PAGE_RUNTIME: LazyLock<Script> = LazyLock::new(|| Script::new(RUNTIME_JS, JAVASCRIPT));
/// The worker part as served.
pub static WORKER_RUNTIME: LazyLock<Script> = LazyLock::new(|| Script::new(WORKER_RUNTIME_JS, JAVASCRIPT));

/// Compresses the scripts every visitor's first page fetches, ahead of the first page.
pub fn warm_up() {
    PAGE_RUNTIME.warm_up();
    WORKER_RUNTIME.warm_up();
}

static PAGE_SCRIPT_TAG: LazyLock<String> =
    LazyLock::new(|| format!(r#"<script src="{PAGE_RUNTIME_PATH}?v={}"></script>"#, PAGE_RUNTIME.version));
static WORKER_IMPORT: LazyLock<String> =
    LazyLock::new(|| format!("import \"{WORKER_RUNTIME_PATH}?v={}\";\n", WORKER_RUNTIME.version));

/// The tag that loads the page runtime; root-relative so every label serves it.
pub fn page_script_tag() -> &'static str {
    &PAGE_SCRIPT_TAG
}

/// Before a module that a module worker imports: the worker part, as a module import.
pub fn worker_import() -> &'static str {
    &WORKER_IMPORT
}
