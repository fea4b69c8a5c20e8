//! Every fuzz target over its seed corpus, over bounded mutations of it
//! (truncations, byte flips, insertions, a cheap stand-in for the fuzzer
//! between its runs), and over hostile shapes: deep nesting, huge
//! lengths, invalid UTF-8.

use stoat_fuzz::{TARGETS, seeds};

/// A small deterministic generator, so that a failure replays.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

/// Mutations of one input: every truncation point for short inputs (a few
/// for long ones), and random flips and insertions.
fn mutations(seed: &[u8], rng: &mut XorShift) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = (seed.len() / 32).max(1);
    for end in (0..seed.len()).step_by(step) {
        out.push(seed[..end].to_vec());
    }
    for _ in 0..16 {
        let mut mutated = seed.to_vec();
        if mutated.is_empty() {
            break;
        }
        match rng.below(3) {
            0 => {
                let at = rng.below(mutated.len());
                mutated[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(mutated.len());
                let byte = [b'{', b'[', b'"', b'\\', 0xFF, b'0', b'}'][rng.below(7)];
                mutated.insert(at, byte);
            }
            _ => {
                let at = rng.below(mutated.len());
                mutated.remove(at);
            }
        }
        out.push(mutated);
    }
    out
}

fn hostile() -> Vec<Vec<u8>> {
    let deep =
        |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n)).into_bytes();
    vec![
        Vec::new(),
        deep("[", "]", 100_000),
        deep("{\"a\":", "}", 100_000),
        format!(r#"{{"type":"Bulk","v":{}}}"#, "[".repeat(50_000)).into_bytes(),
        format!(
            r#"{{"type":"UserUpdate","id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","data":{}}}"#,
            "{\"x\":".repeat(10_000)
        )
        .into_bytes(),
        vec![0xDD, 0xFF, 0xFF, 0xFF, 0xFF], // msgpack array announcing 4 billion items
        vec![0xDF, 0xFF, 0xFF, 0xFF, 0xFF], // msgpack map announcing 4 billion entries
        vec![0xDB, 0xFF, 0xFF, 0xFF, 0xFF, b'a'], // msgpack string announcing 4 GiB
        [vec![0x91; 100_000], vec![0xC0]].concat(), // msgpack nested 100,000 deep
        vec![0xFF; 1024],
        b"{\"type\":\"\xFF\xFE\"}".to_vec(),
        format!(r#"{{"type":"Message","_id":"{}"}}"#, "9".repeat(1_000_000)).into_bytes(),
        b"01ARZ3NDEKTSV4RRFFQ69G5FAVX".to_vec(),
        b"ZZZZZZZZZZZZZZZZZZZZZZZZZZ".to_vec(),
        b"9999-99-99T99:99:99.999Z".to_vec(),
        // Form feed is white space to `u8::is_ascii_whitespace`, not to JSON
        // (a libFuzzer finding: the user fast path took it, serde did not).
        b"\t\t\t\t[]\r\t\x0c".to_vec(),
        b"{\"_id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"username\":\"a\",\"discriminator\":\"0001\"}\x0c".to_vec(),
        b"{\"type\":\"ChannelStartTyping\",\"id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"user\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}\x0c".to_vec(),
    ]
}

#[test]
fn every_target_survives_its_corpus_mutations_and_hostile_input() {
    let mut rng = XorShift(0x05EE_D0F5_70A7);
    for (name, target) in TARGETS {
        let corpus = seeds(name);
        assert!(corpus.len() >= 10, "{name} has only {} seeds", corpus.len());
        let mut runs = 0usize;
        for seed in &corpus {
            target(seed);
            runs += 1;
            for mutated in mutations(seed, &mut rng) {
                target(&mutated);
                runs += 1;
            }
        }
        for input in hostile() {
            target(&input);
            runs += 1;
        }
        println!("{name}: {} seeds, {runs} runs", corpus.len());
    }
}
