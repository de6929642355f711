//! Image bytes for the tests' and benches' upstreams: a PNG signature, then bytes that do
//! not compress (xorshift), so that no layer can make the image smaller than it is; the
//! same bytes on every run.

/// `len` bytes: the PNG signature and a fixed pseudo-random tail.
pub fn noise_png(len: usize) -> Vec<u8> {
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while image.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image.extend_from_slice(&state.to_le_bytes());
    }
    image.truncate(len);
    image
}
