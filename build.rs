//! Builds the live mirror's browser code from npm: rrweb's recorder (bundled into the
//! page runtime, `src/injector.rs`) and its replayer (the agent's viewer). The packages
//! are pinned by `injector/capture/package-lock.json` and installed into `OUT_DIR` once
//! per target directory, so nothing built is ever committed. Needs Node.js and npm.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The npm project of the bundles.
const CAPTURE_DIR: &str = "injector/capture";
/// rrweb's own bundles, self-contained UMD builds, and the name each is given.
const BUNDLES: [(&str, &str, &str); 2] = [
    ("@rrweb/record/dist/record.umd.min.cjs", "rrweb-record.js", "loadRrwebRecord"),
    ("@rrweb/replay/dist/replay.umd.min.cjs", "rrweb-replay.js", "loadRrwebReplay"),
];
/// The replayer's own styles (its cursor and click marks).
const REPLAY_STYLE: &str = "@rrweb/replay/dist/style.min.css";

fn main() {
    for file in ["package.json", "package-lock.json", "NOTICE"] {
        println!("cargo:rerun-if-changed={CAPTURE_DIR}/{file}");
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let modules = install(&out.join("capture"));
    let notice = fs::read_to_string(Path::new(CAPTURE_DIR).join("NOTICE")).expect("injector/capture/NOTICE");
    for (source, target, loader) in BUNDLES {
        let code = read(&modules.join(source));
        fs::write(out.join(target), wrap(&code, loader, &notice)).expect("write bundle");
    }
    fs::write(out.join("rrweb-replay.css"), read(&modules.join(REPLAY_STYLE))).expect("write style");
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
fn wrap(code: &str, loader: &str, notice: &str) -> String {
    let code: String =
        code.lines().filter(|line| !line.starts_with("//# sourceMappingURL=")).flat_map(|line| [line, "\n"]).collect();
    let notice: String = notice.lines().flat_map(|line| ["// ", line, "\n"]).collect();
    format!(
        "{notice}function {loader}() {{\nvar module = {{ exports: {{}} }};\nvar exports = module.exports;\nvar define;\n\
         {code}return module.exports;\n}}\n"
    )
}
