//! `cargo xtask bundle`: the platform's installers, built by Tauri's bundler
//! (the CLI comes from the UI's npm packages). `installed_check` proves the
//! Linux package is real: built, installed with apt, started under Xvfb on the
//! demo vault, looked at, and removed again.

use crate::{build_ui, privilege, root, sh, system_packages, Privilege, Task};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `cargo xtask bundle` was asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A debug build (quick; for checks, not for shipping).
    pub debug: bool,
    /// Comma-separated bundle kinds (`deb,rpm`); all of the platform's when none.
    pub bundles: Option<String>,
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--debug" => o.debug = true,
            "--bundles" => {
                let list = it.next().ok_or("--bundles needs a list, e.g. --bundles deb,rpm")?;
                o.bundles = Some(list.clone());
            }
            other => {
                return Err(format!(
                    "unknown option {other}; usage: cargo xtask bundle [--debug] [--bundles deb,rpm,appimage]"
                ))
            }
        }
    }
    Ok(o)
}

/// The folder Tauri leaves the installers in.
pub fn out_dir(root: &Path, debug: bool) -> PathBuf {
    root.join("target")
        .join(if debug { "debug" } else { "release" })
        .join("bundle")
}

/// Builds the UI, then `tauri build`, which builds the app with the features a
/// shipped build has and bundles it.
pub fn bundle(o: &Options) -> Result<PathBuf, String> {
    system_packages(Task::Run)?;
    let root = root();
    build_ui(&root.join("ui"))?;
    // The command line ships beside the app (`consent-ledger` on the PATH):
    // built first, named as Tauri's `externalBin` wants it (with the target
    // triple), and added to the configuration for this build only, since
    // every other build would otherwise look for it.
    let mut cargo_args = vec!["build", "--locked", "-p", "consent-ledger-cli"];
    if !o.debug {
        cargo_args.push("--release");
    }
    sh(&root, "cargo", &cargo_args)?;
    let triple = host_triple()?;
    let exe = if cfg!(windows) { ".exe" } else { "" };
    let built = root
        .join("target")
        .join(if o.debug { "debug" } else { "release" })
        .join(format!("consent-ledger{exe}"));
    let sidecars = root.join("target/sidecar");
    std::fs::create_dir_all(&sidecars).map_err(|e| format!("{}: {e}", sidecars.display()))?;
    let sidecar = sidecars.join(format!("consent-ledger-{triple}{exe}"));
    std::fs::copy(&built, &sidecar).map_err(|e| format!("{} → {}: {e}", built.display(), sidecar.display()))?;
    let config = r#"{"bundle":{"externalBin":["../target/sidecar/consent-ledger"]}}"#;

    let cli = root.join("ui/node_modules/@tauri-apps/cli/tauri.js");
    let cli = cli.to_str().ok_or("the checkout's path is not UTF-8")?;
    let mut args = vec![cli, "build", "--ci", "--config", config];
    if o.debug {
        args.push("--debug");
    }
    if let Some(b) = &o.bundles {
        args.extend(["--bundles", b.as_str()]);
    }
    args.extend(["--", "--locked"]);
    sh(&root.join("src-tauri"), "node", &args).map_err(|e| {
        let appimage = o.bundles.as_deref().is_none_or(|b| b.contains("appimage"));
        if cfg!(target_os = "linux") && appimage {
            format!(
                "{e}. The AppImage bundler downloads its tools (linuxdeploy) from GitHub; \
                 offline, build the others with --bundles deb,rpm"
            )
        } else {
            e
        }
    })?;
    let dir = out_dir(&root, o.debug);
    eprintln!("xtask: installers are in {}", dir.display());
    Ok(dir)
}

/// The target triple rustc builds for here (`host:` of `rustc -vV`).
fn host_triple() -> Result<String, String> {
    let out = output("rustc", &["-vV"])?;
    out.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV names no host".into())
}

/// The one file with extension `ext` under `dir` (Tauri's file names carry
/// the product name and version).
fn one_file(dir: &Path, ext: &str) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("no .{ext} in {}", dir.display())),
        _ => Err(format!("more than one .{ext} in {}", dir.display())),
    }
}

fn output(program: &str, args: &[&str]) -> Result<String, String> {
    let o = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// `program args`, as root: directly, or through sudo.
fn as_root(program: &str, args: &[&str]) -> Result<(), String> {
    match privilege() {
        Privilege::Root => sh(Path::new("/"), program, args),
        Privilege::Sudo => {
            let mut all = vec![program];
            all.extend(args);
            sh(Path::new("/"), "sudo", &all)
        }
        Privilege::Neither => Err(format!("`{program}` needs root and there is no sudo")),
    }
}

/// A screenshot is a window, not a blank screen: many colours, and no single
/// colour covering almost all of it.
pub fn looks_drawn(unique_colours: u64, top_colour_share: f64) -> bool {
    unique_colours >= 64 && top_colour_share < 0.97
}

/// Builds the `.deb` (debug: the same code, quicker), installs it with apt,
/// starts the installed binary under Xvfb with a fresh home on the demo vault,
/// checks that it made the demo vault and drew a window (screenshot kept in
/// `target/e2e-screenshots/installed-deb.png`), and removes the package.
pub fn installed_check() -> Result<(), String> {
    system_packages(Task::Test)?;
    let root = root();
    let dir = bundle(&Options { debug: true, bundles: Some("deb".into()) })?;
    let deb = one_file(&dir.join("deb"), "deb")?;
    let deb = deb.to_str().ok_or("the package's path is not UTF-8")?;
    let package = output("dpkg-deb", &["-f", deb, "Package"])?.trim().to_string();
    as_root(
        "env",
        &["DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "--reinstall", deb],
    )?;
    let result = run_installed(&root, &package);
    let removed = as_root(
        "env",
        &["DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "-qq", &package],
    );
    result?;
    removed?;
    if Command::new("dpkg").args(["-s", &package]).output().is_ok_and(|o| o.status.success()) {
        return Err(format!("{package} is still installed after apt-get purge"));
    }
    eprintln!("xtask: the .deb installed, started, drew its window and was removed cleanly");
    Ok(())
}

fn run_installed(root: &Path, package: &str) -> Result<(), String> {
    let files = output("dpkg", &["-L", package])?;
    let bin = files
        .lines()
        .find(|l| l.starts_with("/usr/bin/") && *l != "/usr/bin/consent-ledger")
        .ok_or_else(|| format!("{package} installs nothing into /usr/bin"))?
        .to_string();
    if !files.lines().any(|l| l == "/usr/bin/consent-ledger") {
        return Err(format!("{package} does not install the command line /usr/bin/consent-ledger"));
    }
    let version = output("/usr/bin/consent-ledger", &["--version"])?;
    eprintln!("xtask: the installed command line answers: {}", version.trim());
    let desktop = files.lines().any(|l| l.starts_with("/usr/share/applications/") && l.ends_with(".desktop"));
    if !desktop {
        return Err(format!("{package} installs no .desktop entry (no menu item)"));
    }
    let home = std::env::temp_dir().join(format!("consent-ledger-installed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
    let shots = root.join("target/e2e-screenshots");
    std::fs::create_dir_all(&shots).map_err(|e| format!("{}: {e}", shots.display()))?;
    let shot = shots.join("installed-deb.png");
    let _ = std::fs::remove_file(&shot);
    // The same screen as a binary PPM, whose colours are counted here.
    let raw = home.join("screen.ppm");
    let keys = home.join(".local/share/app.consentledger.desktop/demo/keys.json");
    // Start it, wait (up to 60 s) for the demo vault its first launch makes,
    // give the window time to paint, take the screen, and see it still runs.
    let script = format!(
        r#"CONSENT_LEDGER_OPEN_DEMO=1 "{bin}" & p=$!
for i in $(seq 1 120); do [ -e "{keys}" ] && break; kill -0 $p 2>/dev/null || exit 3; sleep 0.5; done
[ -e "{keys}" ] || {{ kill $p; exit 4; }}
sleep 4
import -window root "{shot}" && import -window root -depth 8 "{raw}" || {{ kill $p; exit 5; }}
kill -0 $p 2>/dev/null || exit 3
kill -TERM $p; wait $p 2>/dev/null; exit 0"#,
        keys = keys.display(),
        shot = shot.display(),
        raw = raw.display()
    );
    let status = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "sh", "-c", &script])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .status()
        .map_err(|e| format!("xvfb-run: {e}"))?;
    let pixels = std::fs::read(&raw);
    let _ = std::fs::remove_dir_all(&home);
    match status.code() {
        Some(0) => {}
        Some(3) => return Err(format!("the installed {bin} exited on its own (crashed?)")),
        Some(4) => return Err(format!("the installed {bin} did not open the demo vault within 60 s")),
        Some(5) => return Err("could not take a screenshot (ImageMagick's import)".into()),
        _ => return Err(format!("the run of the installed {bin} failed ({status})")),
    }
    let pixels = pixels.map_err(|e| format!("the screenshot: {e}"))?;
    let (colours, share) = colour_stats(&pixels).ok_or("the screenshot is not a binary PPM")?;
    eprintln!(
        "xtask: screenshot {}: {colours} colours, the commonest covers {:.1}%",
        shot.display(),
        share * 100.0
    );
    if !looks_drawn(colours, share) {
        return Err(format!("the installed app's screen looks blank ({})", shot.display()));
    }
    Ok(())
}

/// The number of distinct colours of a binary PPM (P6, 8 bits) and the share
/// of the commonest one.
pub fn colour_stats(ppm: &[u8]) -> Option<(u64, f64)> {
    // Header: "P6", width, height, maxval, separated by whitespace, then one
    // whitespace byte and the pixels.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while ppm.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        if ppm[i] == b'#' {
            while *ppm.get(i)? != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !ppm.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&ppm[start..i]).ok()?.to_string());
    }
    if fields[0] != "P6" || fields[3] != "255" {
        return None;
    }
    let (w, h): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    let data = ppm.get(i + 1..i + 1 + w * h * 3)?;
    let mut counts = std::collections::HashMap::new();
    for px in data.chunks_exact(3) {
        *counts.entry([px[0], px[1], px[2]]).or_insert(0u64) += 1;
    }
    let top = counts.values().copied().max()?;
    Some((counts.len() as u64, top as f64 / (w * h) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let o = parse(&["--debug".into(), "--bundles".into(), "deb,rpm".into()]).unwrap();
        assert!(o.debug);
        assert_eq!(o.bundles.as_deref(), Some("deb,rpm"));
        assert!(parse(&["--bundles".into()]).is_err());
        assert!(parse(&["--release".into()]).is_err());
    }

    #[test]
    fn colours_of_a_ppm() {
        // 2x2: three black pixels and a white one, with a comment line.
        let mut ppm = b"P6\n# made by a test\n2 2\n255\n".to_vec();
        ppm.extend([0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255]);
        assert_eq!(colour_stats(&ppm), Some((2, 0.75)));
        assert_eq!(colour_stats(b"P3\n1 1\n255\n0 0 0"), None);
        assert_eq!(colour_stats(b"P6\n2 2\n255\n\0\0\0"), None, "short pixel data");
    }

    #[test]
    fn a_blank_screen_is_not_a_window() {
        assert!(!looks_drawn(1, 1.0));
        assert!(!looks_drawn(500, 0.99));
        assert!(!looks_drawn(20, 0.5));
        assert!(looks_drawn(3000, 0.6));
    }
}
