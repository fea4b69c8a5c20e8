//! The server's colour rule (`RE_COLOUR` in its models), for masquerade and
//! embed colours: a CSS colour name, `var(--name)`, `rgb(…)`/`rgba(…)`,
//! `#hex`, or a linear, conic or radial gradient of those.
//!
//! The rule is a regular expression; this is the same language matched
//! without a regex engine. Each piece maps a start position to every
//! position it can end at, so the backtracking of the original (where
//! `[a-z ]+` may swallow what a later part could also match) is kept
//! exactly. Inputs are at most 128 characters, so the sets stay small.

/// Whether the server's colour rule accepts `value` (case-insensitive).
///
/// The server's `\d` is Unicode's: a value with characters outside ASCII is
/// left for the server to judge, so this never refuses what it accepts.
pub(crate) fn accepts(value: &str) -> bool {
    if !value.is_ascii() {
        return true;
    }
    let text = value.to_ascii_lowercase().into_bytes();
    let mut ends = value_at(&text, 0);
    ends.extend(gradient_at(&text, 0));
    ends.contains(&text.len())
}

type Ends = Vec<usize>;

/// Every end of one or more bytes matching `class`, from `at`.
fn many(text: &[u8], at: usize, class: impl Fn(u8) -> bool) -> Ends {
    text[at.min(text.len())..]
        .iter()
        .take_while(|&&b| class(b))
        .enumerate()
        .map(|(n, _)| at + n + 1)
        .collect()
}

/// The end of `word` at `at`, if it is there.
fn word(text: &[u8], at: usize, word: &str) -> Option<usize> {
    text.get(at..)?
        .starts_with(word.as_bytes())
        .then_some(at + word.len())
}

/// Applies `next` to every end in `ends`.
fn then(text: &[u8], ends: Ends, next: impl Fn(&[u8], usize) -> Ends) -> Ends {
    let mut out: Ends = ends.into_iter().flat_map(|at| next(text, at)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn spaces(text: &[u8], at: usize) -> Ends {
    many(text, at, |b| b == b' ')
}

/// `[a-z ]+|var\(--[a-z\d-]+\)|rgba?\([\d, ]+\)|#[a-f0-9]+`
fn value_at(text: &[u8], at: usize) -> Ends {
    let mut ends = many(text, at, |b| b.is_ascii_lowercase() || b == b' ');
    if let Some(inner) = word(text, at, "var(--") {
        let names = many(text, inner, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
        });
        ends.extend(names.into_iter().filter_map(|end| word(text, end, ")")));
    }
    if let Some(rgb) = word(text, at, "rgb") {
        let open = word(text, rgb, "a").unwrap_or(rgb);
        for start in [rgb, open] {
            if let Some(inner) = word(text, start, "(") {
                let numbers = many(text, inner, |b| b.is_ascii_digit() || b == b',' || b == b' ');
                ends.extend(numbers.into_iter().filter_map(|end| word(text, end, ")")));
            }
        }
    }
    if let Some(hex) = word(text, at, "#") {
        ends.extend(many(text, hex, |b| b.is_ascii_hexdigit()));
    }
    ends
}

/// `([ ]+(\d{1,3}%|0))?`
fn stop_at(text: &[u8], at: usize) -> Ends {
    let mut ends = vec![at];
    for start in spaces(text, at) {
        ends.extend(word(text, start, "0"));
        let digits = many(text, start, |b| b.is_ascii_digit());
        ends.extend(
            digits
                .into_iter()
                .filter(|end| end - start <= 3)
                .filter_map(|end| word(text, end, "%")),
        );
    }
    ends
}

/// `([ ]+in[ ]+[a-z-]+([ ]+(shorter|longer|increasing|decreasing)[ ]+hue)?)?`
fn colour_space_at(text: &[u8], at: usize) -> Ends {
    let spaced_in = then(text, spaces(text, at), |t, i| {
        word(t, i, "in").into_iter().collect()
    });
    let names = then(text, then(text, spaced_in, spaces), |t, i| {
        many(t, i, |b| b.is_ascii_lowercase() || b == b'-')
    });
    let hues = then(text, then(text, names.clone(), spaces), |t, i| {
        ["shorter", "longer", "increasing", "decreasing"]
            .iter()
            .filter_map(|w| word(t, i, w))
            .collect()
    });
    let hues = then(text, then(text, hues, spaces), |t, i| {
        word(t, i, "hue").into_iter().collect()
    });
    let mut ends = vec![at];
    ends.extend(names);
    ends.extend(hues);
    ends
}

/// `(repeating-)?(linear|conic|radial)-gradient\(FIRST SPACE? STOP(,[ ]*VALUE STOP)+\)`
fn gradient_at(text: &[u8], at: usize) -> Ends {
    let start = word(text, at, "repeating-").unwrap_or(at);
    let Some(kind) = ["linear", "conic", "radial"]
        .iter()
        .find_map(|w| word(text, start, w))
    else {
        return Ends::new();
    };
    let Some(open) = word(text, kind, "-gradient(") else {
        return Ends::new();
    };
    let mut first = value_at(text, open);
    let degrees = many(text, open, |b| b.is_ascii_digit());
    first.extend(degrees.into_iter().filter_map(|end| word(text, end, "deg")));
    let mut list = then(text, then(text, first, colour_space_at), stop_at);
    let mut more = Ends::new();
    loop {
        let commas = then(text, list, |t, i| word(t, i, ",").into_iter().collect());
        let spaced = then(text, commas, |t, i| {
            let mut ends = vec![i];
            ends.extend(spaces(t, i));
            ends
        });
        list = then(text, then(text, spaced, value_at), stop_at);
        if list.is_empty() {
            break;
        }
        more.extend(list.iter().copied());
    }
    then(text, more, |t, i| word(t, i, ")").into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accepts_what_the_server_accepts() {
        for colour in [
            "red",
            "Dark Blue",
            "#FF00aa",
            "rgb(1, 2, 3)",
            "rgba(1,2,3,0)",
            "var(--accent-2)",
            "linear-gradient(red, blue)",
            "linear-gradient(90deg, red 10%, #00f 100%)",
            "repeating-radial-gradient(red 0, blue)",
            "conic-gradient(30deg in oklch longer hue, red, blue 50%)",
            "linear-gradient(red in srgb, blue)",
        ] {
            assert!(accepts(colour), "{colour} should be accepted");
        }
    }

    #[test]
    fn refuses_what_the_server_refuses() {
        for colour in [
            "",
            "red!",
            "#ggg",
            "hsl(1, 2%, 3%)",
            "rgb(1.5, 2, 3)",
            "linear-gradient(red)",
            "linear-gradient(90deg)",
            "linear-gradient(red, blue",
            "linear-gradient(red, 90deg)",
            "linear-gradient(red 1000%, blue)",
            "var(-x)",
            "url(x)",
        ] {
            assert!(!accepts(colour), "{colour} should be refused");
        }
    }

    #[test]
    fn leaves_non_ascii_to_the_server() {
        assert!(accepts("rgb(١, ٢, ٣)"));
    }
}
