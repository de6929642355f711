//! Runs a scenario of the Node Chromium driver (`tests/browser/run.mjs`) and returns its
//! `RESULT` JSON. A missing browser, Node or driver install fails the test with a
//! message that says what to install: `scripts/test` installs all three, so a skip
//! would only hide a broken set-up.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// Bound on one whole scenario run, Chromium start-up included, unless its args set
/// their own `timeout_ms` (a measurement's many page loads).
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(90);
/// What the driver keeps of the bound for Chromium's start-up and its failure report.
const DRIVER_MARGIN: Duration = Duration::from_secs(10);

/// Runs `scenario` with `args` and returns the result it printed.
pub async fn run_scenario(scenario: &str, args: &serde_json::Value) -> serde_json::Value {
    let chromium = std::env::var("TANDEM_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium not found at {chromium} (set TANDEM_TEST_CHROMIUM, or run scripts/test, which installs it)"
    );
    let driver_dir = super::installed_dir("TANDEM_TEST_NODE_DIR", "tests/browser");
    assert!(
        driver_dir.join("node_modules/playwright-core").is_dir(),
        "the browser driver is not installed in {}: run `npm ci --prefix tests/browser` (scripts/test does)",
        driver_dir.display()
    );
    let mut args = args.clone();
    let timeout = match args["timeout_ms"].as_u64() {
        Some(budget_ms) => Duration::from_millis(budget_ms) + DRIVER_MARGIN,
        None => {
            args["timeout_ms"] = serde_json::json!((SCENARIO_TIMEOUT - DRIVER_MARGIN).as_millis() as u64);
            SCENARIO_TIMEOUT
        }
    };

    let mut command = Command::new("node");
    command
        .arg(driver_dir.join("run.mjs"))
        .arg(scenario)
        .arg(args.to_string())
        .env("TANDEM_TEST_CHROMIUM", &chromium)
        // A run that trusts a test CA in Chromium calls the same https origins from Node.
        .envs(args["trust_ca"].as_str().map(|ca| ("NODE_EXTRA_CA_CERTS", ca)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child =
        command.spawn().unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js (scripts/test does)"));
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(output) => output.expect("waiting for the browser driver"),
        Err(_) => panic!("browser scenario {scenario} did not finish within {timeout:?}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stdout.lines() {
        if let Some(json) = line.strip_prefix("RESULT ") {
            return serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("scenario {scenario} printed bad JSON ({e}): {json}"));
        }
        if let Some(error) = line.strip_prefix("ERROR ") {
            panic!("browser scenario {scenario} failed: {error}\n--- driver log ---\n{stderr}");
        }
    }
    panic!(
        "browser scenario {scenario} printed no RESULT ({}):\n{stdout}\n--- driver log ---\n{stderr}",
        output.status
    );
}
