//! Redis commands a handler makes part of its event's commit.

use std::sync::{Arc, Mutex, PoisonError};

use redis::Arg;

/// The commands staged by the handler of one event.
pub(crate) type Staged = Arc<Mutex<Vec<Vec<Vec<u8>>>>>;

tokio::task_local! {
    static STAGED: Staged;
}

/// Runs `future` (one event's handling) with a place for staged commands.
pub(crate) async fn with_staging<F: std::future::Future>(staged: Staged, future: F) -> F::Output {
    STAGED.scope(staged, future).await
}

/// Makes `command` part of the commit of the event being handled: it runs
/// in Redis in one step with the record that the event was handled, or not
/// at all. A handler whose effects live in Redis (counters, state) so has
/// them exactly once even when its worker dies between handling and
/// commit: the next owner handles the event again, and only one commit
/// lands. (Effects elsewhere, such as a message sent, happen again in that
/// case: see `docs/scaling.md`.)
///
/// Returns `false`, and stages nothing, outside a worker's handler (or in
/// a task the handler spawned). A staged command that Redis refuses does
/// not undo the commit; the worker reports it.
///
/// ```no_run
/// # async fn on_message(event: &stoat::event::MessageCreate) {
/// let mut count = redis::cmd("HINCRBY");
/// count.arg("messages-per-channel").arg(event.message.channel.to_string()).arg(1);
/// stoat_redis::stage(&count);
/// # }
/// ```
pub fn stage(command: &redis::Cmd) -> bool {
    let words: Vec<Vec<u8>> = command
        .args_iter()
        .filter_map(|arg| match arg {
            Arg::Simple(word) => Some(word.to_vec()),
            _ => None,
        })
        .collect();
    STAGED
        .try_with(|staged| staged.lock().unwrap_or_else(PoisonError::into_inner).push(words))
        .is_ok()
}

/// The commands staged so far, as the commit script's arguments.
pub(crate) fn take(staged: &Staged) -> Vec<Vec<u8>> {
    let commands = std::mem::take(&mut *staged.lock().unwrap_or_else(PoisonError::into_inner));
    let mut args = Vec::new();
    for words in commands {
        args.push(words.len().to_string().into_bytes());
        args.extend(words);
    }
    args
}
