//! Every fuzz target's function (`consent_ledger_core::fuzzing`) over its
//! seeds (`fuzz/seeds.txt`) and over every input a fuzzer once crashed on
//! (`fuzz/regressions/TARGET/`), without libFuzzer: none may panic.

use consent_ledger_core::fuzzing::TARGETS;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Panics anywhere in the process, the XLSX reader's own thread included
/// (a panic there would otherwise only end that thread).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The files a `seeds.txt` path names (`*` stands for any name in one folder).
fn expand(pattern: &str) -> Vec<PathBuf> {
    let path = repo().join(pattern);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let Some((before, after)) = name.split_once('*') else {
        return vec![path];
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(before) && n.ends_with(after) && n.len() >= before.len() + after.len()
        })
        .collect();
    found.sort();
    found
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let seeds = std::fs::read_to_string(repo().join("fuzz/seeds.txt")).unwrap();
    let mut files: Vec<PathBuf> = seeds
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' '))
        .filter(|(t, _)| *t == target)
        .flat_map(|(_, p)| expand(p.trim()))
        .collect();
    if let Ok(dir) = std::fs::read_dir(repo().join("fuzz/regressions").join(target)) {
        files.extend(dir.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    files
}

#[test]
fn every_target_reads_its_seeds_and_regressions_without_panicking() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default(info);
    }));
    for (target, run) in TARGETS {
        let files = inputs(target);
        assert!(!files.is_empty(), "{target}: no seeds in fuzz/seeds.txt");
        for f in files {
            let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            run(&data);
            // Cut short, as a download cut off or a file half-copied would be.
            run(&data[..data.len() / 2]);
            assert_eq!(PANICS.load(Ordering::SeqCst), 0, "{target} panicked on {}", f.display());
        }
    }
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let manifest = std::fs::read_to_string(repo().join("fuzz/Cargo.toml")).unwrap();
    for (target, _) in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] for {target}"
        );
        assert!(repo().join(format!("fuzz/fuzz_targets/{target}.rs")).exists(), "{target}");
    }
}
