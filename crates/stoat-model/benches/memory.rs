//! Bytes (inline plus heap) per decoded `User`, this crate against
//! `revolt_models::v0::User`, counted with a counting global allocator.
//!
//! A binary of its own, so that the allocator's counting never runs inside
//! the timed loops of `decode.rs`.
//!
//! Run: `cargo bench -p stoat-model --bench memory` (figures in docs/performance.md).
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(
    unsafe_code,
    reason = "a counting global allocator needs `unsafe impl GlobalAlloc`"
)]
#![allow(clippy::cast_precision_loss, reason = "ratios of byte counts for display")]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use stoat_model::User;

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size().cast_signed(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Live bytes held by what `make` returns, plus its inline size.
fn bytes_held<T>(make: impl FnOnce() -> Vec<T>) -> isize {
    let before = LIVE.load(Ordering::Relaxed);
    let value = make();
    let after = LIVE.load(Ordering::Relaxed);
    let spare = (value.capacity() - value.len()) * size_of::<T>();
    drop(value);
    after - before - spare.cast_signed()
}

fn user_memory(shape: &str, json: &[u8], count: usize) {
    let ours = bytes_held(|| stoat_model::decode::users(json).unwrap());
    let theirs = bytes_held(|| serde_json::from_slice::<Vec<revolt_models::v0::User>>(json).unwrap());
    let n = count.cast_signed();
    println!(
        "{shape}: memory per decoded user (inline + heap): stoat-model {} B (inline {} B), revolt-models {} B (inline {} B), ratio {:.2}x",
        ours / n,
        size_of::<User>(),
        theirs / n,
        size_of::<revolt_models::v0::User>(),
        theirs as f32 / ours as f32
    );
}

fn main() {
    const COUNT: usize = 10_000;
    // Re-encoded by this crate so that keys come in the server's order.
    for (shape, users) in [
        ("sparse", support::users(COUNT)),
        ("rich", support::rich_users(COUNT)),
    ] {
        let users: Vec<User> = serde_json::from_value(users).unwrap();
        let json = serde_json::to_vec(&users).unwrap();
        user_memory(shape, &json, COUNT);
    }
}
