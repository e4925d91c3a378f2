//! `cargo xtask run`: build the UI and launch the desktop app.
//! `cargo xtask test`: every test — UI checks and unit tests, all Rust tests
//! (including the real-window tests under Xvfb), the independent Python verifier.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command in `dir`, echoing it; Err on failure.
fn sh(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn npm_install(ui: &Path) -> Result<(), String> {
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (
        std::fs::metadata(&stamp).and_then(|m| m.modified()),
        std::fs::metadata(&lock).and_then(|m| m.modified()),
    ) {
        (Ok(s), Ok(l)) => s >= l,
        _ => false,
    };
    if fresh {
        Ok(())
    } else {
        sh(ui, "npm", &["ci", "--no-audit", "--no-fund"])
    }
}

fn build_ui(ui: &Path) -> Result<(), String> {
    npm_install(ui)?;
    sh(ui, "npm", &["run", "build"])
}

fn run(extra: &[String]) -> Result<(), String> {
    let root = root();
    build_ui(&root.join("ui"))?;
    let mut args = vec!["run", "--locked", "-p", "consent-ledger-app", "--"];
    args.extend(extra.iter().map(String::as_str));
    // With no vault yet, the app starts on the demo vault.
    std::env::set_var("CONSENT_LEDGER_OPEN_DEMO", "1");
    sh(&root, "cargo", &args)
}

fn test() -> Result<(), String> {
    let root = root();
    let ui = root.join("ui");
    npm_install(&ui)?;
    sh(&ui, "npm", &["run", "check"])?;
    sh(&ui, "npm", &["test"])?;
    sh(&ui, "npm", &["run", "build"])?;

    // The window tests need tauri-driver and WebKitWebDriver, and a display.
    if !have("tauri-driver") {
        sh(
            &root,
            "cargo",
            &["install", "tauri-driver", "--version", "^2", "--locked"],
        )?;
    }
    if !have("WebKitWebDriver") {
        return Err(
            "WebKitWebDriver is missing: sudo apt-get install webkit2gtk-driver (see README)"
                .into(),
        );
    }
    let cargo_test = ["test", "--workspace", "--locked"];
    if std::env::var_os("DISPLAY").is_some() && std::env::var_os("XTASK_XVFB").is_none() {
        sh(&root, "cargo", &cargo_test)?;
    } else if have("xvfb-run") {
        let mut args = vec!["-a", "cargo"];
        args.extend(cargo_test);
        sh(&root, "xvfb-run", &args)?;
    } else {
        return Err(
            "no display and no xvfb-run: sudo apt-get install xvfb xauth (see README)".into(),
        );
    }

    // Last, so the run closes on its summary line.
    let venv = root.join("target/verify-venv");
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import nacl, argon2, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        sh(&root, "python3", &["-m", "venv", venv.to_str().unwrap()])?;
        sh(
            &root,
            python.to_str().unwrap(),
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                "tools/requirements.txt",
            ],
        )?;
    }
    sh(
        &root,
        python.to_str().unwrap(),
        &["tools/test_verify_vault.py"],
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        _ => {
            eprintln!("usage: cargo xtask run | cargo xtask test");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
