//! `cargo xtask run`: build the UI and launch the desktop app.
//! `cargo xtask test`: every test — UI checks and unit tests, all Rust tests
//! (including the real-window tests under Xvfb), the dependency audits
//! (cargo deny, npm audit, actionlint; see deps.rs), the Linux package
//! installed and started, the independent Python verifier.
//! `cargo xtask bundle [--debug] [--bundles deb,rpm]`: the platform's
//! installers (see bundle.rs). `cargo xtask fuzz [--seconds N] [TARGET...]`:
//! the fuzz targets (see fuzz.rs), which `test` also runs, 15 s each.
//!
//! Both start with `system_packages`: on Linux it checks cheaply for what the
//! build (and, for `test`, the window tests and the verifier) needs from the
//! system and installs only what is missing — apt-get on Debian/Ubuntu, dnf
//! on Fedora, through sudo when not root. `XTASK_NO_INSTALL=1` installs
//! nothing and only reports what is missing with the command that would
//! install it. On macOS and Windows it says what to install by hand.
//! `cargo xtask doctor` (not in the usage line) lists every requirement and
//! installs nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

mod bundle;
mod deps;
mod fuzz;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// True when the shell snippet `check` succeeds; its output is discarded.
fn sh_ok(check: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(check)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn have(cmd: &str) -> bool {
    sh_ok(&format!("command -v {cmd}"))
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

// ---- System packages -------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Task {
    Run,
    Test,
}

/// One thing the build or the tests need from the system: a cheap shell
/// check that succeeds when it is there, and the packages that provide it.
struct Requirement {
    what: &'static str,
    check: &'static str,
    apt: &'static [&'static str],
    dnf: &'static [&'static str],
    /// Only `cargo xtask test` needs it.
    test_only: bool,
}

/// Tauri on Linux (WebKitGTK and friends), the bundled SQLCipher/OpenSSL
/// build (C toolchain, perl, make); for the tests also the window tests
/// (Xvfb, WebKitWebDriver, pdftotext to read exported PDFs back) and the
/// independent Python verifier (a venv).
const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        what: "C compiler (cc)",
        check: "command -v cc",
        apt: &["build-essential"],
        dnf: &["gcc"],
        test_only: false,
    },
    Requirement {
        what: "pkg-config",
        check: "command -v pkg-config",
        apt: &["pkg-config"],
        dnf: &["pkgconf-pkg-config"],
        test_only: false,
    },
    Requirement {
        what: "perl",
        check: "command -v perl",
        apt: &["perl"],
        dnf: &["perl"],
        test_only: false,
    },
    Requirement {
        what: "make",
        check: "command -v make",
        apt: &["make"],
        dnf: &["make"],
        test_only: false,
    },
    Requirement {
        what: "WebKitGTK 4.1 (development files)",
        check: "pkg-config --exists webkit2gtk-4.1",
        apt: &["libwebkit2gtk-4.1-dev"],
        dnf: &["webkit2gtk4.1-devel"],
        test_only: false,
    },
    Requirement {
        what: "libxdo (development files)",
        check: "test -e /usr/include/xdo.h",
        apt: &["libxdo-dev"],
        dnf: &["libxdo-devel"],
        test_only: false,
    },
    Requirement {
        what: "OpenSSL (development files)",
        check: "pkg-config --exists openssl",
        apt: &["libssl-dev"],
        dnf: &["openssl-devel"],
        test_only: false,
    },
    Requirement {
        what: "librsvg (development files)",
        check: "pkg-config --exists librsvg-2.0",
        apt: &["librsvg2-dev"],
        dnf: &["librsvg2-devel"],
        test_only: false,
    },
    Requirement {
        what: "xvfb-run",
        check: "command -v xvfb-run",
        apt: &["xvfb"],
        dnf: &["xorg-x11-server-Xvfb"],
        test_only: true,
    },
    Requirement {
        what: "xauth",
        check: "command -v xauth",
        apt: &["xauth"],
        dnf: &["xorg-x11-xauth"],
        test_only: true,
    },
    Requirement {
        what: "WebKitWebDriver",
        check: "command -v WebKitWebDriver",
        apt: &["webkit2gtk-driver"],
        // Fedora builds WebKitWebDriver only with the GTK 4 WebKit.
        dnf: &["webkitgtk6.0"],
        test_only: true,
    },
    Requirement {
        // `python3 -m venv --help` passes on Debian without python3-venv,
        // whose ensurepip is what creating a venv needs.
        what: "Python 3 with venv",
        check: "python3 -c 'import ensurepip, venv'",
        apt: &["python3", "python3-venv"],
        dnf: &["python3"],
        test_only: true,
    },
    Requirement {
        // Screenshots of the installed package's window, and their colours.
        what: "ImageMagick (import)",
        check: "command -v import",
        apt: &["imagemagick"],
        dnf: &["ImageMagick"],
        test_only: true,
    },
    Requirement {
        what: "pdftotext",
        check: "command -v pdftotext",
        apt: &["poppler-utils"],
        dnf: &["poppler-utils"],
        test_only: true,
    },
];

fn needed(task: Task) -> impl Iterator<Item = &'static Requirement> {
    REQUIREMENTS
        .iter()
        .filter(move |r| task == Task::Test || !r.test_only)
}

/// The requirements of `task` that `present` says are not there.
fn missing(task: Task, present: impl Fn(&str) -> bool) -> Vec<&'static Requirement> {
    needed(task).filter(|r| !present(r.check)).collect()
}

fn names(requirements: &[&Requirement]) -> String {
    let names: Vec<&str> = requirements.iter().map(|r| r.what).collect();
    names.join(", ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Installer {
    Apt,
    Dnf,
}

impl Installer {
    fn detect() -> Option<Installer> {
        if have("apt-get") {
            Some(Installer::Apt)
        } else if have("dnf") {
            Some(Installer::Dnf)
        } else {
            None
        }
    }

    fn packages(self, r: &Requirement) -> &'static [&'static str] {
        match self {
            Installer::Apt => r.apt,
            Installer::Dnf => r.dnf,
        }
    }
}

/// The packages that provide `requirements`, each once, in table order.
fn packages_for(installer: Installer, requirements: &[&Requirement]) -> Vec<&'static str> {
    let mut packages = Vec::new();
    for r in requirements {
        for p in installer.packages(r) {
            if !packages.contains(p) {
                packages.push(*p);
            }
        }
    }
    packages
}

/// A command line exactly as one would type it: `[sudo] [VAR=value] program args`.
#[derive(Debug, PartialEq, Eq)]
struct Line(Vec<String>);

impl Line {
    fn new(sudo: bool, words: &[&str], packages: &[&str]) -> Line {
        let sudo = if sudo { &["sudo"][..] } else { &[] };
        Line(
            sudo.iter()
                .chain(words)
                .chain(packages)
                .map(|w| w.to_string())
                .collect(),
        )
    }

    fn text(&self) -> String {
        self.0.join(" ")
    }

    /// Leading `VAR=value` words (the environment), the program, its arguments.
    fn parts(&self) -> (Vec<(&str, &str)>, &str, &[String]) {
        let env_len = self.0.iter().take_while(|w| w.contains('=')).count();
        let env = self.0[..env_len]
            .iter()
            .filter_map(|w| w.split_once('='))
            .collect();
        (env, &self.0[env_len], &self.0[env_len + 1..])
    }

    fn run(&self) -> Result<(), String> {
        eprintln!("xtask: {}", self.text());
        let (env, program, args) = self.parts();
        let status = Command::new(program)
            .envs(env)
            .args(args)
            .status()
            .map_err(|e| format!("{program}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "`{}` failed ({status}); set XTASK_NO_INSTALL=1 to skip installing \
                 system packages (see README)",
                self.text()
            ))
        }
    }
}

/// The commands that install `packages`, through sudo when `sudo`.
fn install_lines(installer: Installer, packages: &[&str], sudo: bool) -> Vec<Line> {
    match installer {
        Installer::Apt => vec![
            Line::new(sudo, &["apt-get", "update", "-qq"], &[]),
            Line::new(
                sudo,
                &[
                    "DEBIAN_FRONTEND=noninteractive",
                    "apt-get",
                    "install",
                    "-y",
                    "-qq",
                    "--no-install-recommends",
                ],
                packages,
            ),
        ],
        Installer::Dnf => vec![Line::new(sudo, &["dnf", "install", "-y"], packages)],
    }
}

fn shell_text(lines: &[Line]) -> String {
    let texts: Vec<String> = lines.iter().map(Line::text).collect();
    texts.join(" && ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Privilege {
    Root,
    Sudo,
    Neither,
}

fn privilege() -> Privilege {
    let uid = Command::new("id").arg("-u").output();
    if uid.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0") {
        Privilege::Root
    } else if have("sudo") {
        Privilege::Sudo
    } else {
        Privilege::Neither
    }
}

fn no_install() -> bool {
    std::env::var("XTASK_NO_INSTALL").is_ok_and(|v| !v.is_empty() && v != "0")
}

const NEEDS_LINUX: &str = "`cargo xtask test` needs Linux: the window tests drive the real \
     WebKitGTK window through WebKitWebDriver under Xvfb. Here use `cargo xtask run`, and run \
     the tests on a Debian/Ubuntu machine (a VM is fine) with Rust and Node";

const FEDORA_WEBDRIVER: &str = "on Fedora, WebKitWebDriver comes with webkitgtk6.0 (the GTK 4 \
     WebKit; webkit2gtk4.1, which the app uses, is built without it). Until Fedora's WebKitGTK \
     carries the upstream fix (bugs.webkit.org 318171), that driver may fail to click or type \
     in a GTK 3 app such as this one (tauri-apps/tauri#6541); the window tests are known to \
     pass on Debian/Ubuntu";

/// Makes sure what `task` needs from the system is there, installing what is
/// missing when it can (see the file's header).
fn system_packages(task: Task) -> Result<(), String> {
    if cfg!(target_os = "macos") {
        return macos(task);
    }
    if cfg!(windows) {
        return windows(task);
    }
    let lacking = missing(task, sh_ok);
    if lacking.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: missing: {}", names(&lacking));
    let Some(installer) = Installer::detect() else {
        let debian = packages_for(Installer::Apt, &lacking).join(" ");
        return Err(format!(
            "found neither apt-get nor dnf: install your distribution's equivalent of the \
             Debian packages `{debian}` (see README), then run this again, or set \
             XTASK_NO_INSTALL=1 to carry on without them"
        ));
    };
    let packages = packages_for(installer, &lacking);
    let privilege = privilege();
    if no_install() {
        let lines = install_lines(installer, &packages, privilege == Privilege::Sudo);
        eprintln!(
            "xtask: XTASK_NO_INSTALL is set, so not installing them; this would: {}",
            shell_text(&lines)
        );
        return Ok(());
    }
    if privilege == Privilege::Neither {
        return Err(format!(
            "installing them needs root and there is no sudo; as root, run\n    {}\n\
             then run this again (or set XTASK_NO_INSTALL=1 to carry on without them)",
            shell_text(&install_lines(installer, &packages, false))
        ));
    }
    if privilege == Privilege::Sudo {
        eprintln!("xtask: installing them through sudo (XTASK_NO_INSTALL=1 skips this)");
    }
    for line in install_lines(installer, &packages, privilege == Privilege::Sudo) {
        line.run()?;
    }
    if installer == Installer::Dnf && lacking.iter().any(|r| r.what == "WebKitWebDriver") {
        eprintln!("xtask: note: {FEDORA_WEBDRIVER}");
    }
    let still = missing(task, sh_ok);
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("still missing after installing: {}", names(&still)))
    }
}

fn macos(task: Task) -> Result<(), String> {
    if task == Task::Test {
        return Err(NEEDS_LINUX.into());
    }
    if !sh_ok("xcode-select -p") {
        eprintln!(
            "xtask: the Xcode command line tools seem to be missing; install them with \
             `xcode-select --install` (carrying on: the build fails without them)"
        );
    }
    Ok(())
}

fn windows(task: Task) -> Result<(), String> {
    if task == Task::Test {
        return Err(NEEDS_LINUX.into());
    }
    // The Visual Studio installer, Build Tools included, leaves vswhere.exe here.
    let vswhere = std::env::var_os("ProgramFiles(x86)")
        .map(|p| PathBuf::from(p).join(r"Microsoft Visual Studio\Installer\vswhere.exe"));
    if !vswhere.is_some_and(|p| p.exists()) {
        eprintln!(
            "xtask: the Microsoft C++ Build Tools seem to be missing; install them from \
             https://visualstudio.microsoft.com/visual-cpp-build-tools/ (workload \"Desktop \
             development with C++\"). The app also needs WebView2, preinstalled on Windows \
             10 and 11, otherwise from \
             https://developer.microsoft.com/microsoft-edge/webview2/ (carrying on)"
        );
    }
    Ok(())
}

/// `cargo xtask doctor`: every requirement, present or not; installs nothing.
fn doctor() -> Result<(), String> {
    if cfg!(target_os = "macos") || cfg!(windows) {
        println!("system packages are checked on Linux only; see README for this OS");
        return Ok(());
    }
    let lacking = missing(Task::Test, sh_ok);
    for r in REQUIREMENTS {
        let state = if lacking.iter().any(|m| m.what == r.what) {
            "MISSING"
        } else {
            "ok"
        };
        let task = if r.test_only { "test" } else { "run, test" };
        println!("{state:<8} {:<34} ({task})", r.what);
    }
    let installer = Installer::detect();
    let privilege = privilege();
    println!("installer: {installer:?}, privilege: {privilege:?}");
    if let (Some(installer), false) = (installer, lacking.is_empty()) {
        let packages = packages_for(installer, &lacking);
        let lines = install_lines(installer, &packages, privilege == Privilege::Sudo);
        println!("cargo xtask test would run: {}", shell_text(&lines));
    }
    Ok(())
}

// ---- Tasks -----------------------------------------------------------------

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
    system_packages(Task::Run)?;
    let root = root();
    build_ui(&root.join("ui"))?;
    let mut args = vec!["run", "--locked", "-p", "consent-ledger-app", "--"];
    args.extend(extra.iter().map(String::as_str));
    // With no vault yet, the app starts on the demo vault.
    std::env::set_var("CONSENT_LEDGER_OPEN_DEMO", "1");
    sh(&root, "cargo", &args)
}

fn test() -> Result<(), String> {
    system_packages(Task::Test)?;
    let root = root();
    let ui = root.join("ui");
    npm_install(&ui)?;
    sh(&ui, "npm", &["run", "check"])?;
    sh(&ui, "npm", &["test"])?;
    sh(&ui, "npm", &["run", "build"])?;

    // The window tests need tauri-driver (and WebKitWebDriver, a system
    // package), and a display.
    if !have("tauri-driver") {
        sh(
            &root,
            "cargo",
            &["install", "tauri-driver", "--version", "^2", "--locked"],
        )?;
    }
    let cargo_test = ["test", "--workspace", "--locked"];
    if std::env::var_os("DISPLAY").is_some() && std::env::var_os("XTASK_XVFB").is_none() {
        sh(&root, "cargo", &cargo_test)?;
    } else if have("xvfb-run") {
        let mut args = vec!["-a", "cargo"];
        args.extend(cargo_test);
        sh(&root, "xvfb-run", &args)?;
    } else {
        return Err("no display and no xvfb-run (see what was reported missing above)".into());
    }

    // Every parser of outside input, fuzzed briefly from its seeds.
    let seconds = std::env::var("XTASK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    if seconds > 0 {
        fuzz::fuzz(&fuzz::Options { seconds, targets: vec![] })?;
    }

    // Known vulnerabilities, licences, banned crates, sources.
    deps::cargo_deny()?;
    deps::npm_audit(&ui)?;
    deps::npm_licences(&ui)?;

    // The Linux package: built, installed with apt, started, removed.
    if have("apt-get") {
        bundle::installed_check()?;
    } else {
        eprintln!("xtask: no apt-get here, so the .deb is not installed and started");
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
    deps::lint_workflows(&root, &venv)?;
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
        Some("doctor") => doctor(),
        Some("bundle") => bundle::parse(&args[1..]).and_then(|o| bundle::bundle(&o).map(|_| ())),
        Some("advisories-update") => deps::advisories_update(),
        Some("fuzz") => fuzz::parse(&args[1..], 60).and_then(|o| fuzz::fuzz(&o)),
        // The .deb check of `test` alone.
        Some("package-check") => bundle::installed_check(),
        // The dependency checks of `test` alone.
        Some("deps") => deps::cargo_deny()
            .and_then(|()| deps::npm_audit(&root().join("ui")))
            .and_then(|()| deps::npm_licences(&root().join("ui"))),
        _ => {
            eprintln!(
                "usage: cargo xtask run | cargo xtask test | cargo xtask bundle [--debug] [--bundles LIST] \
                 | cargo xtask fuzz [--seconds N] [TARGET...]"
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    const BUILD_APT: &str =
        "build-essential pkg-config perl make libwebkit2gtk-4.1-dev libxdo-dev libssl-dev librsvg2-dev";
    const TEST_APT: &str =
        "xvfb xauth webkit2gtk-driver python3 python3-venv imagemagick poppler-utils";

    fn all(task: Task) -> Vec<&'static Requirement> {
        missing(task, |_| false)
    }

    #[test]
    fn run_needs_the_build_packages_and_test_adds_the_rest() {
        assert_eq!(
            packages_for(Installer::Apt, &all(Task::Run)).join(" "),
            BUILD_APT
        );
        assert_eq!(
            packages_for(Installer::Apt, &all(Task::Test)).join(" "),
            format!("{BUILD_APT} {TEST_APT}")
        );
        assert_eq!(
            packages_for(Installer::Dnf, &all(Task::Test)).join(" "),
            "gcc pkgconf-pkg-config perl make webkit2gtk4.1-devel libxdo-devel openssl-devel \
             librsvg2-devel xorg-x11-server-Xvfb xorg-x11-xauth webkitgtk6.0 python3 ImageMagick \
             poppler-utils"
        );
    }

    #[test]
    fn only_what_is_missing_is_installed() {
        assert!(missing(Task::Test, |_| true).is_empty());
        let lacking = missing(Task::Test, |check| {
            !check.contains("WebKitWebDriver") && !check.contains("ensurepip")
        });
        assert_eq!(
            packages_for(Installer::Apt, &lacking),
            ["webkit2gtk-driver", "python3", "python3-venv"]
        );
        // `run` does not ask for what only the tests need.
        assert!(missing(Task::Run, |check| !check.contains("WebKitWebDriver")).is_empty());
    }

    #[test]
    fn packages_are_listed_once() {
        let twice = [&REQUIREMENTS[0], &REQUIREMENTS[0]];
        assert_eq!(packages_for(Installer::Apt, &twice), ["build-essential"]);
    }

    #[test]
    fn apt_as_root_and_through_sudo() {
        let packages = ["xvfb", "xauth"];
        assert_eq!(
            shell_text(&install_lines(Installer::Apt, &packages, false)),
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
             --no-install-recommends xvfb xauth"
        );
        assert_eq!(
            shell_text(&install_lines(Installer::Apt, &packages, true)),
            "sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y \
             -qq --no-install-recommends xvfb xauth"
        );
    }

    #[test]
    fn dnf_as_root_and_through_sudo() {
        let packages = ["gcc", "make"];
        assert_eq!(
            shell_text(&install_lines(Installer::Dnf, &packages, false)),
            "dnf install -y gcc make"
        );
        assert_eq!(
            shell_text(&install_lines(Installer::Dnf, &packages, true)),
            "sudo dnf install -y gcc make"
        );
    }

    #[test]
    fn a_line_runs_its_leading_assignments_as_environment() {
        let lines = install_lines(Installer::Apt, &["xvfb"], false);
        let (env, program, args) = lines[1].parts();
        assert_eq!(env, [("DEBIAN_FRONTEND", "noninteractive")]);
        assert_eq!(program, "apt-get");
        assert_eq!(args[0], "install");
        // Through sudo the assignment is sudo's argument: sudo keeps it.
        let lines = install_lines(Installer::Apt, &["xvfb"], true);
        let (env, program, args) = lines[1].parts();
        assert!(env.is_empty());
        assert_eq!(program, "sudo");
        assert_eq!(args[0], "DEBIAN_FRONTEND=noninteractive");
    }
}
