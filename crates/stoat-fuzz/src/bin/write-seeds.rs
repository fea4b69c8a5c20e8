//! Writes each fuzz target's seed corpus to `<dir>/<target>/`, for
//! `cargo xtask fuzz`: `cargo run -p stoat-fuzz --bin write-seeds -- <dir>`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/fuzz-corpus".into()),
    );
    for (name, _) in stoat_fuzz::TARGETS {
        let target = dir.join(name);
        std::fs::create_dir_all(&target)?;
        for (i, seed) in stoat_fuzz::seeds(name).iter().enumerate() {
            std::fs::write(target.join(format!("seed-{i:04}")), seed)?;
        }
    }
    Ok(())
}
