//! Builds Tandem's browser code from `injector/` and npm: the in-page runtime and its
//! worker part (the parts in `injector/runtime/` listed below, rrweb's recorder among the
//! page's, minified by SWC), and rrweb's replayer (the agent's viewer). The npm packages
//! are pinned by `injector/capture/package-lock.json` and installed into `OUT_DIR` once
//! per target directory, so nothing built is ever committed. Needs Node.js and npm.
//!
//! Writes into `OUT_DIR`, for `src/injector/` and `src/watch/bundle.rs`: `runtime.js` and
//! `worker.js` as served (minified, from `*.min.js`; readable instead when built with
//! `TANDEM_RUNTIME_UNMINIFIED=1`), `runtime.source.js` and `worker.source.js` (their
//! parts concatenated, always readable, for `scripts/runtime-size` and debugging),
//! `rrweb-replay.js` and `rrweb-replay.css`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The npm project of the bundles and of the minifier.
const CAPTURE_DIR: &str = "injector/capture";
/// The runtime's own sources.
const RUNTIME_DIR: &str = "injector/runtime";
/// The part of a runtime that is rrweb's recorder rather than a file of `RUNTIME_DIR`.
const RECORDER: &str = "rrweb-record";

/// A runtime as served: its first line, the file it is written to, and its parts in
/// order (`RUNTIME_DIR/<part>.js`, or `RECORDER`).
struct Runtime {
    header: &'static str,
    file: &'static str,
    parts: &'static [&'static str],
}

/// The page runtime, injected first into every proxied page, and the worker part (the URL
/// mapper and the network and worker patches, set up in a worker's global scope).
const RUNTIMES: [Runtime; 2] = [
    Runtime {
        header: "// Tandem's in-page runtime (injector/runtime/*.js).",
        file: "runtime",
        parts: &[
            "label",
            "disguise",
            "network",
            "workers",
            "modules",
            "dom",
            "html",
            "css",
            "navigation",
            "message",
            "cookie_store",
            "cookie",
            "identity",
            "windows",
            "frames",
            "mask",
            "mask_watch",
            "overlay",
            "panel",
            "marks",
            "actions",
            "control",
            "presence",
            RECORDER,
            "capture_scrub",
            "capture",
            "capture_patches",
            "main",
        ],
    },
    Runtime {
        header: "// Tandem's worker runtime (injector/runtime/*.js).",
        file: "worker",
        parts: &["label", "disguise", "network", "workers", "cookie_store", "worker_main"],
    },
];

/// rrweb's own bundles (self-contained UMD builds): the recorder, and the replayer with
/// the name of the function that loads it.
const RECORDER_BUNDLE: &str = "@rrweb/record/dist/record.umd.min.cjs";
const REPLAY_BUNDLE: (&str, &str) = ("@rrweb/replay/dist/replay.umd.min.cjs", "loadRrwebReplay");
/// The replayer's own styles (its cursor and click marks).
const REPLAY_STYLE: &str = "@rrweb/replay/dist/style.min.css";

fn main() {
    for file in ["package.json", "package-lock.json", "NOTICE", "minify.cjs"] {
        println!("cargo:rerun-if-changed={CAPTURE_DIR}/{file}");
    }
    for runtime in &RUNTIMES {
        for part in runtime.parts.iter().filter(|&&part| part != RECORDER) {
            println!("cargo:rerun-if-changed={RUNTIME_DIR}/{part}.js");
        }
    }
    println!("cargo:rerun-if-env-changed=TANDEM_RUNTIME_UNMINIFIED");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let modules = install(&out.join("capture"));
    let notice: String =
        read(&Path::new(CAPTURE_DIR).join("NOTICE")).lines().flat_map(|line| ["// ", line, "\n"]).collect();

    let (replay, loader) = REPLAY_BUNDLE;
    fs::write(out.join("rrweb-replay.js"), notice.clone() + &wrap(&read(&modules.join(replay)), loader))
        .expect("write the replayer");
    fs::write(out.join("rrweb-replay.css"), read(&modules.join(REPLAY_STYLE))).expect("write style");

    let recorder = wrap(&read(&modules.join(RECORDER_BUNDLE)), "loadRrwebRecord");
    let mut minify = Vec::new();
    for runtime in &RUNTIMES {
        let source = out.join(format!("{}.source.js", runtime.file));
        fs::write(&source, concatenate(runtime, &recorder)).expect("write a runtime");
        minify.push((source, out.join(format!("{}.min.js", runtime.file))));
    }
    let readable = env::var_os("TANDEM_RUNTIME_UNMINIFIED").is_some_and(|value| value == "1");
    if !readable {
        run_minifier(&modules, &minify);
    }
    for (runtime, (source, minified)) in RUNTIMES.iter().zip(&minify) {
        let code = read(if readable { source } else { minified });
        // The notice is rrweb's: it goes with the runtime that holds the recorder.
        let notice = if runtime.parts.contains(&RECORDER) { notice.as_str() } else { "" };
        fs::write(out.join(format!("{}.js", runtime.file)), format!("{}\n{notice}{code}", runtime.header))
            .expect("write a runtime");
    }
}

/// A runtime's parts inside one function, so that none of their names becomes a global.
fn concatenate(runtime: &Runtime, recorder: &str) -> String {
    let mut text = String::from("(function () {\n'use strict';\n");
    for &part in runtime.parts {
        if part == RECORDER {
            text.push_str(recorder);
        } else {
            text.push_str(&read(&Path::new(RUNTIME_DIR).join(format!("{part}.js"))));
        }
    }
    text.push_str("})();\n");
    text
}

/// Minifies each `(source, output)` pair with `minify.cjs` in one run of Node.js.
fn run_minifier(modules: &Path, files: &[(PathBuf, PathBuf)]) {
    let status = Command::new("node")
        .arg(Path::new(CAPTURE_DIR).join("minify.cjs"))
        .args(files.iter().flat_map(|(source, output)| [source, output]))
        .env("NODE_PATH", modules)
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("minifying the runtime with `node {CAPTURE_DIR}/minify.cjs` failed ({status})"),
        Err(e) => panic!("building Tandem needs Node.js to minify the runtime: cannot run `node`: {e}"),
    }
}

/// Installs the locked packages into `dir` unless this lockfile is installed there.
fn install(dir: &Path) -> PathBuf {
    let lock = fs::read(Path::new(CAPTURE_DIR).join("package-lock.json")).expect("injector/capture/package-lock.json");
    let installed = dir.join("node_modules/.tandem-lock");
    if fs::read(&installed).is_ok_and(|done| done == lock) {
        return dir.join("node_modules");
    }
    fs::create_dir_all(dir).expect("create the npm directory");
    for file in ["package.json", "package-lock.json"] {
        fs::copy(Path::new(CAPTURE_DIR).join(file), dir.join(file)).expect("copy the npm project");
    }
    let npm = env::var("TANDEM_NPM").unwrap_or_else(|_| "npm".to_owned());
    let status = Command::new(&npm)
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"])
        .current_dir(dir)
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("`{npm} ci` in {} failed ({status}): the npm registry must be reachable", dir.display()),
        Err(e) => panic!(
            "building Tandem needs Node.js and npm for the live mirror's rrweb bundles \
             (Debian: apt install nodejs npm; or set TANDEM_NPM): cannot run `{npm}`: {e}"
        ),
    }
    fs::write(&installed, lock).expect("mark the install");
    dir.join("node_modules")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A function named `loader` that evaluates a UMD bundle and returns its exports,
/// defining no global: its `module` and `exports` are the function's own, and so is
/// an undefined `define` (a page's AMD loader never sees it). Source maps are dropped.
fn wrap(code: &str, loader: &str) -> String {
    let code: String =
        code.lines().filter(|line| !line.starts_with("//# sourceMappingURL=")).flat_map(|line| [line, "\n"]).collect();
    format!(
        "function {loader}() {{\nvar module = {{ exports: {{}} }};\nvar exports = module.exports;\nvar define;\n\
         {code}return module.exports;\n}}\n"
    )
}
