//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every fuzz target of
//! `fuzz/` (cargo-fuzz, nightly) started from its seeds (`fuzz/seeds.txt`)
//! and run for a bounded time; `cargo xtask test` runs it briefly. A crash
//! fails the run and names the saved input, which goes into
//! `fuzz/regressions/TARGET/` as a regression test (fuzz/README.md).

use crate::{root, sh};
use std::path::{Path, PathBuf};
use std::process::Command;

const CARGO_FUZZ: &str = "0.13";

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub seconds: u64,
    pub targets: Vec<String>,
}

pub fn parse(args: &[String], default_seconds: u64) -> Result<Options, String> {
    let mut o = Options { seconds: default_seconds, targets: vec![] };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--seconds" {
            let n = it.next().ok_or("--seconds needs a number")?;
            o.seconds = n.parse().map_err(|_| format!("--seconds {n}: not a number of seconds"))?;
        } else if a.starts_with('-') {
            return Err(format!("unknown option {a}; usage: cargo xtask fuzz [--seconds N] [TARGET...]"));
        } else {
            o.targets.push(a.clone());
        }
    }
    Ok(o)
}

/// The targets: the `[[bin]]` names of fuzz/Cargo.toml.
fn all_targets(root: &Path) -> Result<Vec<String>, String> {
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).map_err(|e| format!("fuzz/Cargo.toml: {e}"))?;
    Ok(manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "consent-ledger-fuzz")
        .map(str::to_string)
        .collect())
}

/// The files a seeds.txt path names (`*`: any name in that one folder).
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let path = root.join(pattern);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let Some((before, after)) = name.split_once('*') else {
        return vec![path];
    };
    let Some(dir) = path.parent() else { return vec![] };
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with(before) && n.ends_with(after) && n.len() >= before.len() + after.len()
        })
        .collect();
    found.sort();
    found
}

/// Copies a target's seeds (and its regressions) into a fresh folder.
fn seed_dir(root: &Path, target: &str) -> Result<PathBuf, String> {
    let dir = root.join("target/fuzz-seeds").join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let seeds = std::fs::read_to_string(root.join("fuzz/seeds.txt")).map_err(|e| format!("fuzz/seeds.txt: {e}"))?;
    let mut files: Vec<PathBuf> = seeds
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .filter(|(t, _)| *t == target)
        .flat_map(|(_, p)| expand(root, p.trim()))
        .collect();
    files.extend(expand(root, &format!("fuzz/regressions/{target}/*")));
    for (i, f) in files.iter().enumerate() {
        let name = format!("{i:03}-{}", f.file_name().unwrap_or_default().to_string_lossy());
        std::fs::copy(f, dir.join(name)).map_err(|e| format!("{}: {e}", f.display()))?;
    }
    Ok(dir)
}

fn have_nightly() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn fuzz(o: &Options) -> Result<(), String> {
    let root = root();
    if !have_nightly() {
        // libFuzzer's sanitizer flags need nightly; rustup fetches it.
        sh(&root, "rustup", &["toolchain", "install", "nightly", "--profile", "minimal"])
            .map_err(|e| format!("{e}: fuzzing needs Rust's nightly toolchain"))?;
    }
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        sh(&root, "cargo", &["install", "cargo-fuzz", "--version", &format!("^{CARGO_FUZZ}"), "--locked"])?;
    }
    let all = all_targets(&root)?;
    let targets = if o.targets.is_empty() { all.clone() } else { o.targets.clone() };
    if let Some(t) = targets.iter().find(|t| !all.contains(t)) {
        return Err(format!("no fuzz target {t}; the targets: {}", all.join(", ")));
    }
    let fuzz_target_dir = root.join("target/fuzz");
    let target_dir = fuzz_target_dir.to_str().ok_or("path not UTF-8")?;
    // -O: release without overflow checks, as the app ships. With them,
    // calamine 0.38 panics on a reversed sheet dimension in arithmetic that
    // only feeds a log line (fuzz/regressions/import_xlsx); AddressSanitizer
    // stays on.
    sh(&root, "cargo", &["+nightly", "fuzz", "build", "-O", "--target-dir", target_dir])?;
    let mut crashed = Vec::new();
    for t in &targets {
        let seeds = seed_dir(&root, t)?;
        let corpus = root.join("target/fuzz-corpus").join(t);
        let artifacts = root.join("target/fuzz-artifacts").join(t);
        for d in [&corpus, &artifacts] {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        let corpus_s = corpus.to_str().ok_or("path not UTF-8")?;
        let seeds_s = seeds.to_str().ok_or("path not UTF-8")?;
        let time = format!("-max_total_time={}", o.seconds);
        let prefix = format!("-artifact_prefix={}/", artifacts.display());
        eprintln!("xtask: fuzzing {t} for {} s", o.seconds);
        // libFuzzer reports every new input; only the end is shown (all of
        // it when the target failed).
        let out = Command::new("cargo")
            .current_dir(&root)
            // LeakSanitizer also checks once more when the process exits;
            // the flag below alone leaves that check on.
            .env("ASAN_OPTIONS", "detect_leaks=0")
            .args([
                "+nightly",
                "fuzz",
                "run",
                "-O",
                "--target-dir",
                target_dir,
                t,
                corpus_s,
                seeds_s,
                "--",
                &time,
                &prefix,
                // A parser taking more than 10 s or 2 GB on one input is a finding too.
                "-timeout=10",
                "-rss_limit_mb=2048",
                "-print_final_stats=1",
                // Rust frees what it owns; what LeakSanitizer reported here
                // were a worker thread's glibc thread-exit records (32 bytes)
                // when the thread outlived its call (the XLSX reader did, until
                // it was joined), not leaks in the parsers.
                "-detect_leaks=0",
            ])
            .output()
            .map_err(|e| format!("cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = log.lines().collect();
        if out.status.success() {
            for l in lines.iter().filter(|l| l.starts_with("Done ") || l.starts_with("stat::peak_rss_mb")) {
                eprintln!("    {l}");
            }
        } else {
            let from = lines.iter().rposition(|l| l.starts_with("INFO: Running with entropic power schedule")).unwrap_or(0);
            let from = from.max(lines.len().saturating_sub(80));
            eprintln!("{}", lines[from..].join("\n"));
            crashed.push(format!("{t} (input saved in {})", artifacts.display()));
        }
    }
    if crashed.is_empty() {
        eprintln!("xtask: fuzzed {} targets for {} s each: no crash", targets.len(), o.seconds);
        Ok(())
    } else {
        Err(format!(
            "fuzzing found crashes: {}. Copy each input into fuzz/regressions/TARGET/ and fix the parser",
            crashed.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert_eq!(parse(&[], 60).unwrap(), Options { seconds: 60, targets: vec![] });
        let o = parse(&["--seconds".into(), "5".into(), "key_file".into()], 60).unwrap();
        assert_eq!(o, Options { seconds: 5, targets: vec!["key_file".into()] });
        assert!(parse(&["--seconds".into(), "x".into()], 60).is_err());
        assert!(parse(&["--fast".into()], 60).is_err());
    }

    #[test]
    fn the_targets_are_the_fuzz_binaries() {
        let t = all_targets(&root()).unwrap();
        assert!(t.contains(&"import_csv".to_string()), "{t:?}");
        assert!(t.contains(&"evidence_pack".to_string()), "{t:?}");
        assert!(!t.contains(&"consent-ledger-fuzz".to_string()));
    }

    #[test]
    fn every_target_has_seeds() {
        let root = root();
        for t in all_targets(&root).unwrap() {
            let dir = seed_dir(&root, &t).unwrap();
            let n = std::fs::read_dir(&dir).unwrap().count();
            assert!(n > 0, "{t}: no seeds");
        }
    }
}
