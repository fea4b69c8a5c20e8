//! Project tasks, run as `cargo xtask <task>`.
//!
//! * `ci`: everything CI checks, in order: formatting, clippy (warnings
//!   denied), the whole test suite (unit, integration and doc tests), and
//!   the docs (warnings denied). Stops at the first failure.
//! * `bench`: the criterion benchmarks (figures go to `docs/performance.md`).

use std::process::{Command, ExitCode};

/// A named cargo invocation with extra environment variables.
type Step = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let steps: &[Step] = match task.as_deref() {
        Some("ci") => &[
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
            ("tests", &["test", "--workspace", "--all-features"], &[]),
            (
                "docs",
                &["doc", "--workspace", "--no-deps", "--all-features"],
                &[("RUSTDOCFLAGS", "-D warnings")],
            ),
        ],
        Some("bench") => &[("benchmarks", &["bench", "--workspace"], &[])],
        _ => {
            eprintln!("usage: cargo xtask <ci|bench>");
            return ExitCode::FAILURE;
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
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
    eprintln!("xtask: all steps passed");
    ExitCode::SUCCESS
}
