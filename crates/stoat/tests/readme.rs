//! README's two commands: the main job is the quickstart, which runs here
//! start to end against the local server (the same function `cargo run -p
//! stoat --example quickstart` calls), and the test command is what CI runs.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code, reason = "the example's `main` is not used here")]
mod quickstart;

const README: &str = include_str!("../../../README.md");

#[test]
fn readme_names_the_two_commands() {
    assert!(
        README.contains("`cargo run -p stoat-sdk --example quickstart`"),
        "main job"
    );
    assert!(README.contains("`cargo xtask ci`"), "test suite");
    let ci = include_str!("../../../.ci/run");
    assert!(
        ci.contains("cargo xtask ci"),
        "CI runs the README's test command:\n{ci}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_runs_against_the_local_server() {
    quickstart::against_the_local_server()
        .await
        .expect("the quickstart completes");
}
