//! Project tasks, run as `cargo xtask <task>`.
//!
//! * `ci`: everything CI checks, in order: formatting, clippy with every
//!   feature on (warnings denied; clippy also holds the code to the declared
//!   `rust-version` through its `incompatible_msrv` lint), clippy on each
//!   crate with no default features and with each feature alone (through
//!   `cargo hack`, which `.ci/run` installs), the whole test suite (unit,
//!   integration and doc tests), the docs (warnings denied), and a dry run of
//!   publishing every crate to crates.io (each is packaged and built from its
//!   package alone). Stops at the first failure.
//! * `fuzz [seconds]`: each fuzz target of `crates/stoat-fuzz` under
//!   libFuzzer for `seconds` (default 60), seeded with the fixtures; needs
//!   a nightly toolchain and `cargo install cargo-fuzz`. Crashes land in
//!   `crates/stoat-fuzz/fuzz/artifacts/`. (CI runs the same targets over
//!   their corpus as ordinary tests.)
//! * `bench`: the criterion benchmarks, then a table of their medians with
//!   each one's ratio to the `stoat-model` entry of its group (the figures
//!   in `docs/performance.md` come from it).

use std::process::{Command, ExitCode};

/// A named cargo invocation with extra environment variables.
type Step = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Where the publish dry run builds the packages.
const PUBLISH_TARGET: &str = "target/publish-check";

/// What `cargo xtask ci` runs, in order.
const CI: &[Step] = &[
    ("format", &["fmt", "--all", "--check"], &[]),
    (
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    ),
    (
        // What a user who turns features off builds: the gateway
        // without `rustls`, the model without `msgpack`…
        "clippy, each feature set",
        &[
            "hack",
            "clippy",
            "--workspace",
            "--each-feature",
            "--no-dev-deps",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    ),
    ("tests", &["test", "--workspace", "--all-features"], &[]),
    (
        "docs",
        &["doc", "--workspace", "--no-deps", "--all-features"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    ),
    (
        "publish (dry run)",
        &["publish", "--workspace", "--dry-run", "--allow-dirty"],
        // A target folder of its own, emptied first (`forget_packaged_sources`).
        &[("CARGO_TARGET_DIR", PUBLISH_TARGET)],
    ),
];

/// The fuzz targets (`stoat_fuzz::TARGETS`).
const FUZZ_TARGETS: [&str; 4] = ["event_json", "event_msgpack", "rest_body", "parsed_strings"];

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    if task.as_deref() == Some("fuzz") {
        return fuzz(std::env::args().nth(2).as_deref().unwrap_or("60"));
    }
    let steps: &[Step] = match task.as_deref() {
        Some("ci") => CI,
        Some("bench") => &[("benchmarks", &["bench", "--workspace"], &[])],
        _ => {
            eprintln!("usage: cargo xtask <ci|bench|fuzz [seconds]>");
            return ExitCode::FAILURE;
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if task.as_deref() == Some("ci") {
        if !install_cargo_hack(&cargo) {
            return ExitCode::FAILURE;
        }
        forget_packaged_sources();
    }
    for (name, args, env) in steps {
        eprintln!("xtask: {name}: cargo {}", args.join(" "));
        let status = Command::new(&cargo)
            .args(*args)
            .envs(env.iter().copied())
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("xtask: {name} failed ({status})");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("xtask: could not run cargo: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if task.as_deref() == Some("bench") {
        print_medians(std::path::Path::new("target/criterion"));
    }
    eprintln!("xtask: all steps passed");
    ExitCode::SUCCESS
}

/// Installs cargo-hack from crates.io unless it is there (`.ci/run` does the
/// same; this is for `cargo xtask ci` run by hand on a fresh machine).
fn install_cargo_hack(cargo: &str) -> bool {
    let present = Command::new(cargo)
        .args(["hack", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if present {
        return true;
    }
    eprintln!("xtask: installing cargo-hack: cargo install cargo-hack --locked");
    let installed = Command::new(cargo)
        .args(["install", "cargo-hack", "--locked"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        eprintln!("xtask: could not install cargo-hack");
    }
    installed
}

/// Runs every fuzz target for `seconds`, after writing the seed corpus.
fn fuzz(seconds: &str) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| {
        eprintln!("xtask: fuzz: cargo {}", args.join(" "));
        Command::new(&cargo)
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !run(&[
        "run",
        "-q",
        "-p",
        "stoat-fuzz",
        "--bin",
        "write-seeds",
        "--",
        "target/fuzz-corpus",
    ]) {
        return ExitCode::FAILURE;
    }
    let time = format!("-max_total_time={seconds}");
    for target in FUZZ_TARGETS {
        let corpus = format!("target/fuzz-corpus/{target}");
        let args = [
            "+nightly",
            "fuzz",
            "run",
            "--fuzz-dir",
            "crates/stoat-fuzz/fuzz",
            target,
            &corpus,
            "--",
            &time,
            "-rss_limit_mb=2048",
            "-timeout=10",
            "-print_final_stats=1",
        ];
        // `cargo +nightly` needs rustup's proxy, not the `cargo` running us.
        eprintln!("xtask: fuzz: cargo {}", args.join(" "));
        let ok = Command::new("cargo")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("xtask: fuzz: {target} failed (see crates/stoat-fuzz/fuzz/artifacts/{target})");
            return ExitCode::FAILURE;
        }
    }
    eprintln!("xtask: fuzz: every target ran {seconds} s without a finding");
    ExitCode::SUCCESS
}

/// Prints `group | bench | median | ratio to stoat-model` from criterion's
/// `estimates.json` files.
fn print_medians(root: &std::path::Path) {
    let Ok(groups) = std::fs::read_dir(root) else {
        return;
    };
    let mut groups: Vec<_> = groups
        .flatten()
        .map(|g| g.path())
        .filter(|p| p.is_dir())
        .collect();
    groups.sort();
    println!("| group | bench | median | vs the stoat entry |\n|---|---|---|---|");
    for group in groups {
        let Ok(benches) = std::fs::read_dir(&group) else {
            continue;
        };
        let mut rows: Vec<(String, f64)> = benches
            .flatten()
            .filter_map(|b| {
                let text = std::fs::read_to_string(b.path().join("new/estimates.json")).ok()?;
                Some((b.file_name().to_string_lossy().into_owned(), median(&text)?))
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let ours = rows
            .iter()
            .find(|(name, _)| name.starts_with("stoat"))
            .map(|r| r.1);
        let group = group
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (name, ns) in rows {
            let ratio = ours.map_or(String::from("-"), |o| format!("{:.2}x", ns / o));
            println!("| {group} | {name} | {} | {ratio} |", human(ns));
        }
    }
}

/// The `median.point_estimate` of an `estimates.json`, read without a JSON crate.
fn median(text: &str) -> Option<f64> {
    let at = text.find("\"median\"")?;
    let rest = &text[at..];
    let value = &rest[rest.find("\"point_estimate\":")? + 17..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Cargo treats the packages a publish dry run verifies against as a
/// registry's, which never change at one version: it unpacks each into its
/// registry sources once (keyed by the path of the local overlay registry)
/// and reuses what it compiled from them. Once the code changed at the same
/// version, the verification would build against old sources or old
/// builds. Both are removed before the run: the unpacked copies (in the
/// sources of local registries, whose folder names start with `-`) and the
/// dry run's own target folder.
fn forget_packaged_sources() {
    let _ = std::fs::remove_dir_all(PUBLISH_TARGET);
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".cargo")));
    let Some(sources) = home.map(|home| home.join("registry").join("src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(sources) else {
        return;
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for package in std::fs::read_dir(registry.path()).into_iter().flatten().flatten() {
            if package.file_name().to_string_lossy().starts_with("stoat-") {
                let _ = std::fs::remove_dir_all(package.path());
            }
        }
    }
}
