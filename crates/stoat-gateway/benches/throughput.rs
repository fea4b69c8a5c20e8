//! Events per second through the stream from a loopback server: all
//! events wanted, most filtered out, and, as the baseline in the same run,
//! the same frames read by a bare tokio-tungstenite client that decodes
//! each into a `serde_json::Value`.
//!
//! Each iteration asks the server for one batch (a `Subscribe` frame, or
//! any text frame from the baseline client) and reads it to its last frame.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{SinkExt, StreamExt};
use stoat_gateway::{Gateway, Handle, Incoming};
use stoat_model::event::{Event, EventFlags, EventKind, Format};
use stoat_model::{Secret, ServerId};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message;

/// Frames per batch.
const BATCH: usize = 2000;

/// The recorded `UserUpdate`s, with one typing event in ten, re-encoded
/// compact with the tag first (as the server writes them). The last frame
/// is a `ChannelStopTyping`, wanted in every configuration.
fn batch() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/events");
    let mut updates: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("UserUpdate"))
        .map(|path| {
            let event = Event::decode(Format::Json, &std::fs::read(path).unwrap()).unwrap();
            String::from_utf8(event.encode(Format::Json)).unwrap()
        })
        .collect();
    updates.sort();
    let typing = r#"{"type":"ChannelStartTyping","id":"01M860WMZR57WWSH0P75709DS2","user":"01M860RNGMDS8N5WFT4YG8K79P"}"#;
    let mut frames: Vec<String> = (0..BATCH - 1)
        .map(|i| {
            if i % 10 == 9 {
                typing.to_owned()
            } else {
                updates[i % updates.len()].clone()
            }
        })
        .collect();
    frames.push(typing.replace("ChannelStartTyping", "ChannelStopTyping"));
    frames
}

/// A server that greets every connection, then sends the batch each time
/// it receives a frame.
async fn serve(listener: TcpListener, frames: Vec<String>) {
    while let Ok((stream, _)) = listener.accept().await {
        stream.set_nodelay(true).unwrap();
        let frames = frames.clone();
        tokio::spawn(async move {
            let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
            let _authenticate = socket.next().await;
            socket
                .send(Message::text(r#"{"type":"Authenticated"}"#))
                .await
                .unwrap();
            socket.send(Message::text(r#"{"type":"Ready"}"#)).await.unwrap();
            while let Some(Ok(_)) = socket.next().await {
                for frame in &frames {
                    socket.feed(Message::text(frame.as_str())).await.unwrap();
                }
                socket.flush().await.unwrap();
            }
        });
    }
}

/// Reads one batch through the stream; returns the events yielded.
async fn through_gateway(gateway: &mut Gateway, handle: &Handle) -> usize {
    handle.subscribe(ServerId::from_u128(1)).await.unwrap();
    let mut yielded = 0;
    while let Some(item) = gateway.next().await {
        let Ok(Incoming::Event(event)) = item else {
            panic!("unexpected {item:?}")
        };
        yielded += 1;
        if matches!(black_box(event), Event::ChannelStopTyping(_)) {
            break;
        }
    }
    yielded
}

fn throughput(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let frames = batch();
    let url = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        tokio::spawn(serve(listener, frames.clone()));
        url
    });
    let mut group = c.benchmark_group("gateway");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20).measurement_time(Duration::from_secs(8));

    let configurations = [
        ("stoat-gateway, all events", EventFlags::all(), BATCH),
        (
            "stoat-gateway, typing only (90% filtered out)",
            EventFlags::of(EventKind::ChannelStartTyping) | EventKind::ChannelStopTyping,
            BATCH / 10,
        ),
    ];
    for (name, wanted, expected) in configurations {
        let (mut gateway, handle) = Gateway::builder(url.as_str(), Secret::new("t"))
            .events(wanted)
            .build()
            .unwrap();
        runtime.block_on(async {
            assert!(matches!(gateway.next().await, Some(Ok(Incoming::Ready { .. }))));
            assert_eq!(through_gateway(&mut gateway, &handle).await, expected);
        });
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(through_gateway(&mut gateway, &handle)));
        });
    }

    let mut socket = runtime.block_on(async {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("{url}/")).await.unwrap();
        socket.send(Message::text("{}")).await.unwrap();
        for _ in 0..2 {
            socket.next().await.unwrap().unwrap();
        }
        socket
    });
    group.bench_function("baseline: tungstenite + serde_json::Value", |b| {
        b.iter(|| {
            runtime.block_on(async {
                socket.send(Message::text("go")).await.unwrap();
                for _ in 0..BATCH {
                    let Some(Ok(Message::Text(text))) = socket.next().await else {
                        panic!("the batch ended early")
                    };
                    let value: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                    black_box(value);
                }
            });
        });
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
