//! Default avatars: seven images of the emulator's own (plain squares of
//! seven colours; the server's pictures are its own work), chosen by the
//! last character of the id with the server's rule.

use std::sync::OnceLock;

use bytes::Bytes;

/// Side of each image, in pixels.
const SIDE: u32 = 16;

/// The colour of default avatar 1 to 7.
const COLOURS: [[u8; 3]; 7] = [
    [0x7a, 0x7a, 0x7a],
    [0xe0, 0x5a, 0x47],
    [0xf0, 0xa2, 0x02],
    [0x3f, 0xa3, 0x4d],
    [0x2e, 0x86, 0xde],
    [0x8e, 0x44, 0xad],
    [0xd9, 0x4f, 0x9b],
];

/// Which of the seven images (1 to 7) the server gives an id ending in
/// `last`. Case matters: ids are upper case, anything else gets image 1.
pub(crate) fn number_for(last: char) -> usize {
    match last {
        '0' | '1' | '2' | '3' | 'S' | 'Z' => 2,
        '4' | '5' | '6' | '7' | 'T' => 3,
        '8' | '9' | 'A' | 'B' => 4,
        'C' | 'D' | 'E' | 'F' | 'V' => 5,
        'G' | 'H' | 'J' | 'K' | 'W' => 6,
        'M' | 'N' | 'P' | 'Q' | 'X' => 7,
        _ => 1,
    }
}

/// The PNG of default avatar `number` (1 to 7), encoded once.
pub(crate) fn image(number: usize) -> Bytes {
    static IMAGES: OnceLock<Vec<Bytes>> = OnceLock::new();
    let images = IMAGES.get_or_init(|| COLOURS.iter().map(|c| Bytes::from(square_png(*c))).collect());
    images[number.clamp(1, images.len()) - 1].clone()
}

/// A `SIDE`×`SIDE` RGB PNG of one colour, its pixels stored uncompressed.
fn square_png(colour: [u8; 3]) -> Vec<u8> {
    // Each row: the filter byte (0, none), then the row's pixels.
    let mut row = vec![0];
    for _ in 0..SIDE {
        row.extend_from_slice(&colour);
    }
    let raw = row.repeat(SIDE as usize);
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&SIDE.to_be_bytes());
    header.extend_from_slice(&SIDE.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, *b"IHDR", &header);
    chunk(&mut png, *b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, *b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&length.to_be_bytes());
    let start = png.len();
    png.extend_from_slice(&kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let length = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_distinct_pngs() {
        let images: Vec<Bytes> = (1..=7).map(image).collect();
        for (i, a) in images.iter().enumerate() {
            assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
            assert!(images[i + 1..].iter().all(|b| a != b), "image {} repeats", i + 1);
        }
        // The CRC of `IEND` with no data is a known constant.
        assert!(images[0].ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }

    #[test]
    fn the_last_character_picks_the_image() {
        assert_eq!(number_for('0'), 2);
        assert_eq!(number_for('T'), 3);
        assert_eq!(number_for('B'), 4);
        assert_eq!(number_for('V'), 5);
        assert_eq!(number_for('W'), 6);
        assert_eq!(number_for('X'), 7);
        assert_eq!(number_for('R'), 1);
        assert_eq!(number_for('x'), 1, "lower case is not folded");
    }
}
