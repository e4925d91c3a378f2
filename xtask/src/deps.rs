//! The dependency checks of `cargo xtask test`: `cargo deny` (advisories,
//! licences, banned and duplicate crates, sources; `deny.toml`), `npm audit`
//! and the licences of the UI's packages, and actionlint over the GitHub
//! workflows.
//!
//! The advisories come from a snapshot of the RustSec database kept in
//! `deny/advisory-db.tar.gz` (this project's machines reach the package
//! registries but not GitHub), unpacked into a git repository under `target/`
//! where cargo-deny looks for it; `cargo xtask advisories-update` refreshes it
//! where GitHub is reachable. The GitHub workflow `audit.yml` runs the same
//! checks against the live databases.

use crate::{have, root, sh};
use std::path::Path;
use std::process::Command;

/// The cargo-deny release the checks are written for.
const CARGO_DENY: &str = "0.20.2";

/// Where cargo-deny keeps the database of `https://github.com/rustsec/advisory-db`
/// under its `db-path` (`target/advisory-dbs` in deny.toml): the URL's last
/// segment and its XxHash64 (cargo-deny's `url_to_db_path`).
const DB_DIR: &str = "target/advisory-dbs/advisory-db-3157b0e258782691";

/// Snapshots older than this are reported (cargo-deny's own default staleness).
const STALE_DAYS: i64 = 90;

/// A crate with known vulnerabilities, which `cargo deny` must refuse.
const VULNERABLE_FIXTURE: &str = "deny/fixtures/vulnerable/Cargo.toml";
/// The advisory it must name.
const VULNERABLE_ID: &str = "RUSTSEC-2021-0003";

fn cargo_deny_installed() -> bool {
    Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(CARGO_DENY))
}

/// Unpacks the snapshot into the git repository cargo-deny opens, when it is
/// not there yet or the snapshot changed; returns the snapshot's date.
fn advisory_db(root: &Path) -> Result<String, String> {
    let snapshot = root.join("deny/advisory-db.tar.gz");
    let meta = std::fs::read_to_string(root.join("deny/advisory-db.txt"))
        .map_err(|e| format!("deny/advisory-db.txt: {e}"))?;
    let field = |name: &str| {
        meta.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
            .map(str::to_string)
            .ok_or_else(|| format!("deny/advisory-db.txt has no `{name}:` line"))
    };
    let (commit, date) = (field("commit")?, field("date")?);
    if !have("git") {
        return Err("git is needed to open the advisory snapshot".into());
    }
    let db = root.join(DB_DIR);
    let stamp = db.join(".git/snapshot-commit");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == commit) {
        return Ok(date);
    }
    let _ = std::fs::remove_dir_all(&db);
    std::fs::create_dir_all(&db).map_err(|e| format!("{}: {e}", db.display()))?;
    let snap = snapshot.to_str().ok_or("path not UTF-8")?;
    sh(&db, "tar", &["-xzf", snap])?;
    let git = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("git")
            .args(args)
            .current_dir(&db)
            .env("GIT_AUTHOR_NAME", "advisory-db snapshot")
            .env("GIT_AUTHOR_EMAIL", "snapshot@localhost")
            .env("GIT_COMMITTER_NAME", "advisory-db snapshot")
            .env("GIT_COMMITTER_EMAIL", "snapshot@localhost")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("git: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("git {} failed in {}", args.join(" "), db.display()))
        }
    };
    git(&["init", "-q", "-b", "main"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "--no-gpg-sign", "-m", &format!("snapshot of rustsec/advisory-db {commit}")])?;
    std::fs::write(&stamp, &commit).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(date)
}

/// Days between two `YYYY-MM-DD…` dates (the civil calendar; no time zones).
fn days_between(from: &str, to: &str) -> Option<i64> {
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok();
    Some((day(to)? - day(from)?).num_days())
}

fn today() -> Option<String> {
    Some(chrono::Utc::now().format("%Y-%m-%d").to_string())
}

/// `cargo deny check` over the workspace must pass, and over a crate with a
/// known vulnerability must fail naming it (so the check is known to bite).
pub fn cargo_deny() -> Result<(), String> {
    let root = root();
    if !cargo_deny_installed() {
        sh(&root, "cargo", &["install", "cargo-deny", "--version", CARGO_DENY, "--locked"])?;
    }
    let date = advisory_db(&root)?;
    if let Some(age) = today().and_then(|t| days_between(&date, &t)) {
        if age > STALE_DAYS {
            eprintln!(
                "xtask: warning: the advisory snapshot is {age} days old ({date}); run \
                 `cargo xtask advisories-update` where GitHub is reachable"
            );
        }
    }
    // --offline: the snapshot as it is, and the crates already fetched —
    // for every platform, which `cargo build` here does not fetch.
    sh(&root, "cargo", &["fetch", "--locked"])?;
    sh(&root, "cargo", &["deny", "--offline", "--locked", "check", "--hide-inclusion-graph"])?;

    sh(&root, "cargo", &["fetch", "--locked", "--manifest-path", VULNERABLE_FIXTURE])?;
    let out = Command::new("cargo")
        .args(["deny", "--offline", "--locked", "--manifest-path", VULNERABLE_FIXTURE, "check", "advisories"])
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cargo deny: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !text.contains(VULNERABLE_ID) {
        return Err(format!(
            "cargo deny did not refuse the known-vulnerable fixture {VULNERABLE_FIXTURE} \
             ({VULNERABLE_ID}); its output:\n{text}"
        ));
    }
    eprintln!("xtask: cargo deny refuses the known-vulnerable fixture ({VULNERABLE_ID}), as it must");
    Ok(())
}

/// Refreshes `deny/advisory-db.tar.gz` from GitHub (needs the network).
pub fn advisories_update() -> Result<(), String> {
    let root = root();
    let tmp = std::env::temp_dir().join(format!("advisory-db-{}", std::process::id()));
    let tmp_s = tmp.to_str().ok_or("path not UTF-8")?;
    sh(
        &root,
        "git",
        &["clone", "--depth", "1", "https://github.com/rustsec/advisory-db", tmp_s],
    )?;
    let show = |fmt: &str| -> Result<String, String> {
        let o = Command::new("git")
            .args(["-C", tmp_s, "show", "-s", &format!("--format={fmt}"), "HEAD"])
            .output()
            .map_err(|e| format!("git: {e}"))?;
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let (commit, date) = (show("%H")?, show("%cI")?);
    let out = root.join("deny/advisory-db.tar.gz");
    let out_s = out.to_str().ok_or("path not UTF-8")?;
    sh(&root, "tar", &["-czf", out_s, "-C", tmp_s, "crates"])?;
    std::fs::write(
        root.join("deny/advisory-db.txt"),
        format!(
            "# The RustSec advisory database (crates/ only) as of this commit, for\n\
             # `cargo deny` where GitHub is out of reach; `cargo xtask advisories-update`.\n\
             url: https://github.com/rustsec/advisory-db\ncommit: {commit}\ndate: {date}\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("xtask: advisory snapshot updated to {commit} ({date})");
    Ok(())
}

/// `npm audit` of the UI's packages. The registry's audit endpoint is not
/// reachable from every machine (this project's answer with 405); then the
/// audit is reported as not done rather than passed. Found vulnerabilities fail.
pub fn npm_audit(ui: &Path) -> Result<(), String> {
    eprintln!("xtask: npm audit");
    let out = Command::new("npm")
        .args(["audit", "--json"])
        .current_dir(ui)
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match audit_outcome(out.status.success(), &stdout) {
        Audit::Clean => {
            eprintln!("xtask: npm audit: no known vulnerabilities");
            Ok(())
        }
        Audit::Unreachable => {
            eprintln!(
                "xtask: warning: npm audit NOT DONE: the registry's audit endpoint did not \
                 answer from this machine; the GitHub workflow audit.yml runs it"
            );
            Ok(())
        }
        Audit::Fail(summary) => Err(format!("npm audit: known vulnerabilities, or no report: {summary}")),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Audit {
    Clean,
    Unreachable,
    Fail(String),
}

fn audit_outcome(success: bool, stdout: &str) -> Audit {
    // With --json, npm prints its report (`metadata.vulnerabilities` holds the
    // counts by severity), or the failed request with an `error` object.
    let Ok(v) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return if success { Audit::Clean } else { Audit::Fail("npm audit printed no report".into()) };
    };
    if let Some(counts) = v.pointer("/metadata/vulnerabilities") {
        let total = counts.get("total").and_then(serde_json::Value::as_u64).unwrap_or(0);
        return if total == 0 { Audit::Clean } else { Audit::Fail(counts.to_string()) };
    }
    if v.get("error").is_some() || v.get("statusCode").is_some() {
        return Audit::Unreachable;
    }
    if success {
        Audit::Clean
    } else {
        Audit::Fail(format!("npm audit failed: {v}"))
    }
}

/// The licences the UI's shipped packages may carry (those `deny.toml`
/// allows for crates, as npm spells them).
const NPM_LICENCES: &[&str] = &["MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "Apache-2.0"];

/// True when an npm `license` expression allows an allowed licence:
/// one of them, or an `OR` of which one is.
fn npm_licence_ok(expr: &str) -> bool {
    expr.trim_matches(|c| c == '(' || c == ')')
        .split(" OR ")
        .any(|part| NPM_LICENCES.contains(&part.trim()))
}

/// Every package the UI depends on at run time (not its build tools) carries
/// an allowed licence.
pub fn npm_licences(ui: &Path) -> Result<(), String> {
    let out = Command::new("npm")
        .args(["ls", "--omit=dev", "--all", "--parseable"])
        .current_dir(ui)
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    if !out.status.success() {
        return Err(format!("npm ls failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let mut bad = Vec::new();
    let mut count = 0;
    // The first line is the UI itself.
    for dir in String::from_utf8_lossy(&out.stdout).lines().skip(1) {
        let manifest = Path::new(dir).join("package.json");
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let licence = match v.get("license") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.get("type").and_then(|t| t.as_str()).unwrap_or("").to_string(),
            None => String::new(),
        };
        count += 1;
        if !npm_licence_ok(&licence) {
            let name = v.get("name").and_then(|n| n.as_str()).unwrap_or(dir);
            bad.push(format!("{name} ({})", if licence.is_empty() { "no licence" } else { &licence }));
        }
    }
    if bad.is_empty() {
        eprintln!("xtask: the UI's {count} run-time npm packages carry allowed licences");
        Ok(())
    } else {
        Err(format!("npm packages with a licence not allowed (see deny.toml): {}", bad.join(", ")))
    }
}

/// actionlint over `.github/workflows`, from the venv `python` lives in.
pub fn lint_workflows(root: &Path, venv: &Path) -> Result<(), String> {
    let actionlint = venv.join("bin/actionlint");
    if !actionlint.exists() {
        let python = venv.join("bin/python");
        sh(
            root,
            python.to_str().ok_or("path not UTF-8")?,
            &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "tools/requirements-ci.txt"],
        )?;
    }
    let mut files: Vec<String> = std::fs::read_dir(root.join(".github/workflows"))
        .map_err(|e| format!(".github/workflows: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| format!(".github/workflows/{}", e.file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".yml") || f.ends_with(".yaml"))
        .collect();
    files.sort();
    let mut args: Vec<&str> = vec![];
    args.extend(files.iter().map(String::as_str));
    sh(root, actionlint.to_str().ok_or("path not UTF-8")?, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_licence_expressions() {
        assert!(npm_licence_ok("MIT"));
        assert!(npm_licence_ok("Apache-2.0 OR MIT"));
        assert!(npm_licence_ok("(MIT OR GPL-3.0-only)"));
        assert!(!npm_licence_ok("GPL-3.0-only"));
        assert!(!npm_licence_ok(""));
        assert!(!npm_licence_ok("UNLICENSED"));
    }

    #[test]
    fn days() {
        assert_eq!(days_between("2026-08-21", "2026-12-04"), Some(105));
        assert_eq!(days_between("2024-02-28T10:00:00+02:00", "2024-03-01"), Some(2));
        assert_eq!(days_between("garbage", "2024-03-01"), None);
    }

    #[test]
    fn audit_outcomes() {
        let clean = r#"{"auditReportVersion":2,"vulnerabilities":{},"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":0,"high":0,"critical":0,"total":0}}}"#;
        assert_eq!(audit_outcome(true, clean), Audit::Clean);
        // What this project's registry answers.
        let refused = r#"{"message":"405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk","statusCode":405,"body":"","error":{"summary":"","detail":""}}"#;
        assert_eq!(audit_outcome(false, refused), Audit::Unreachable);
        let found = r#"{"auditReportVersion":2,"vulnerabilities":{"x":{}},"metadata":{"vulnerabilities":{"info":0,"low":0,"moderate":1,"high":0,"critical":0,"total":1}}}"#;
        match audit_outcome(false, found) {
            Audit::Fail(s) => assert!(s.contains("\"moderate\":1"), "{s}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(audit_outcome(false, "npm ERR! something"), Audit::Fail(_)));
    }
}
