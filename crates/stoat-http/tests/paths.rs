//! No value a caller passes can change which route a request goes to: ids
//! are typed, and free text (an upload tag the model does not know) is
//! percent-encoded into one path segment.

use stoat_http::{Base, Client, Token};
use stoat_model::file::FileTag;
use stoat_model::{Secret, UserId};

#[test]
fn hostile_tags_stay_one_segment() {
    let client = Client::new(Token::Bot(Secret::new("t")));
    let long = "a".repeat(10_000);
    for hostile in [
        "../users/@me",
        "avatars?x=1",
        "a#b",
        "%2F..%2F",
        "new\r\nline",
        "\u{0}",
        long.as_str(),
        "",
    ] {
        let request = client
            .upload(FileTag::from_wire(hostile), b"data".to_vec())
            .into_request()
            .expect("a request");
        assert_eq!(request.base, Base::Cdn);
        let path = &request.path;
        assert_eq!(path.matches('/').count(), 1, "one segment: {path:?}");
        assert!(!path.contains(['?', '#']), "no query or fragment: {path:?}");
        assert!(
            path.chars().all(|c| c.is_ascii_graphic()),
            "visible ASCII only: {path:?}"
        );
        assert_eq!(percent_decode(&path[1..]), hostile.as_bytes(), "nothing lost");
        let uri: hyper::Uri = format!("https://cdn.example{path}").parse().expect("a valid URL");
        assert_eq!(uri.path(), path);
        assert_eq!(uri.query(), None);
    }
}

#[test]
fn ids_cannot_be_anything_but_ids() {
    for hostile in [
        "../@me",
        "01ARZ3NDEKTSV4RRFFQ69G5FA/",
        "@me",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV?x",
    ] {
        assert!(hostile.parse::<UserId>().is_err(), "{hostile} is not an id");
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
