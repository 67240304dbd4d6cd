//! Strips the metadata of an MP4 or QuickTime video while it streams, without changing a
//! single offset: boxes that carry metadata (`udta`, `meta`, `uuid` — GPS position, camera,
//! XMP) become `free` boxes of the same size filled with zeros, and the creation and
//! modification times of `mvhd`, `tkhd` and `mdhd` are zeroed. Players skip `free` boxes,
//! and sample offsets (`stco`/`co64`) stay right because nothing moves. Only the `moov` box
//! is held in memory (bounded; a larger one passes unchanged); media data streams through.
//! Anything that does not start with an `ftyp` box (WebM, say) passes unchanged.
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// The largest `moov` cleaned (a short phone video's is well under 1 MB).
const MOOV_MAX: u64 = 16 * 1024 * 1024;
/// Boxes whose whole content is metadata.
const METADATA: [&[u8; 4]; 3] = [b"udta", b"meta", b"uuid"];

enum Mode {
    /// Reading the next top-level box header.
    Header { first: bool },
    /// Passing `n` more bytes through unchanged.
    Pass(u64),
    /// Replacing `n` more bytes by zeros (a top-level metadata box's content).
    Zero(u64),
    /// Collecting a `moov` of `n` bytes to clean it.
    Moov(u64),
    /// Everything else passes unchanged (not ISO BMFF, or a box running to the end).
    Rest,
}

struct State<S> {
    input: S,
    pending: BytesMut,
    mode: Mode,
    ended: bool,
}

/// The top-level box header at the start of `b`: (header length, total size, type);
/// `None` when more bytes are needed. A size of 0 ("to the end") is `u64::MAX`.
fn header(b: &[u8]) -> Option<(usize, u64, [u8; 4])> {
    if b.len() < 8 {
        return None;
    }
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64;
    let kind = [b[4], b[5], b[6], b[7]];
    match size {
        0 => Some((8, u64::MAX, kind)),
        1 if b.len() < 16 => None,
        1 => Some((16, u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]), kind)),
        n => Some((8, n, kind)),
    }
}

/// Cleans the children of a container box's content in place.
fn clean_children(content: &mut [u8], depth: u8) {
    let mut at = 0usize;
    while at + 8 <= content.len() {
        let Some((head, size, kind)) = header(&content[at..]) else { return };
        let end = if size == u64::MAX { content.len() } else { at.saturating_add(size as usize) };
        if size < head as u64 || end > content.len() {
            return; // malformed: leave the rest as it is
        }
        let body = &mut content[at + head..end];
        if METADATA.iter().any(|m| **m == kind) {
            content[at + 4..at + 8].copy_from_slice(b"free");
            content[at + head..end].fill(0);
        } else {
            match &kind {
                b"mvhd" | b"tkhd" | b"mdhd" => zero_times(body),
                b"trak" | b"mdia" if depth < 4 => clean_children(body, depth + 1),
                _ => {}
            }
        }
        at = end;
    }
}

/// Zeroes the creation and modification times of a full box (version 0: two u32, 1: two u64).
fn zero_times(body: &mut [u8]) {
    let width = match body.first() {
        Some(0) => 8,
        Some(1) => 16,
        _ => return,
    };
    if body.len() >= 4 + width {
        body[4..4 + width].fill(0);
    }
}

impl<S, E> State<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    /// Reads one more chunk into `pending`; false at the end of the input.
    async fn fill(&mut self) -> Result<bool, E> {
        if self.ended {
            return Ok(false);
        }
        match self.input.next().await {
            Some(Ok(chunk)) => {
                self.pending.extend_from_slice(&chunk);
                Ok(true)
            }
            Some(Err(e)) => Err(e),
            None => {
                self.ended = true;
                Ok(false)
            }
        }
    }

    /// The next piece of output; `None` at the end.
    async fn next_out(&mut self) -> Option<Result<Bytes, E>> {
        loop {
            match self.mode {
                Mode::Header { first } => match header(&self.pending) {
                    Some((head, size, kind)) => {
                        if (first && &kind != b"ftyp") || size == u64::MAX || size < head as u64 {
                            self.mode = Mode::Rest;
                        } else if &kind == b"moov" && size <= MOOV_MAX {
                            self.mode = Mode::Moov(size);
                        } else if METADATA.iter().any(|m| **m == kind) {
                            self.pending[4..8].copy_from_slice(b"free");
                            self.mode = Mode::Zero(size - head as u64);
                            return Some(Ok(self.pending.split_to(head).freeze()));
                        } else {
                            self.mode = Mode::Pass(size);
                        }
                    }
                    None => match self.fill().await {
                        Ok(true) => {}
                        Ok(false) if self.pending.is_empty() => return None,
                        Ok(false) => self.mode = Mode::Rest,
                        Err(e) => return Some(Err(e)),
                    },
                },
                Mode::Pass(0) | Mode::Zero(0) => self.mode = Mode::Header { first: false },
                Mode::Pass(n) | Mode::Zero(n) => {
                    if self.pending.is_empty() {
                        match self.fill().await {
                            Ok(true) => continue,
                            Ok(false) => return None,
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    let take = (n.min(self.pending.len() as u64)) as usize;
                    let mut out = self.pending.split_to(take);
                    if matches!(self.mode, Mode::Zero(_)) {
                        out.fill(0);
                        self.mode = Mode::Zero(n - take as u64);
                    } else {
                        self.mode = Mode::Pass(n - take as u64);
                    }
                    return Some(Ok(out.freeze()));
                }
                Mode::Moov(n) => {
                    if (self.pending.len() as u64) < n {
                        match self.fill().await {
                            Ok(true) => continue,
                            // Cut short: what came passes unchanged.
                            Ok(false) => self.mode = Mode::Rest,
                            Err(e) => return Some(Err(e)),
                        }
                        continue;
                    }
                    let mut moov = self.pending.split_to(n as usize);
                    if let Some((head, _, _)) = header(&moov) {
                        clean_children(&mut moov[head..], 0);
                    }
                    self.mode = Mode::Header { first: false };
                    return Some(Ok(moov.freeze()));
                }
                Mode::Rest => {
                    if !self.pending.is_empty() {
                        return Some(Ok(self.pending.split().freeze()));
                    }
                    match self.fill().await {
                        Ok(true) => {}
                        Ok(false) => return None,
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
    }
}

/// The video stream with its metadata blanked (see the module comment): same length, same
/// offsets, same type as far as sniffing goes.
pub fn strip<S, E>(input: S) -> impl Stream<Item = Result<Bytes, E>> + Unpin + Send
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: Send,
{
    let state = State { input, pending: BytesMut::new(), mode: Mode::Header { first: true }, ended: false };
    Box::pin(futures::stream::unfold(state, |mut s| async move { s.next_out().await.map(|item| (item, s)) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut v = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(content);
        v
    }

    /// ftyp, moov (mvhd with times, udta with a GPS position, trak with tkhd and meta), mdat.
    fn video(moov_last: bool) -> Vec<u8> {
        let mut mvhd = vec![0u8; 100];
        mvhd[4..12].copy_from_slice(&[0xAA; 8]);
        let udta = boxed(b"udta", &boxed(b"\xa9xyz", b"+48.8584+002.2945/"));
        let tkhd = boxed(b"tkhd", &[0, 0, 0, 0, 0xBB, 0xBB, 0xBB, 0xBB, 0xBB, 0xBB, 0xBB, 0xBB, 1, 2, 3]);
        let trak = boxed(b"trak", &[tkhd, boxed(b"meta", b"com.apple.quicktime.make Apple")].concat());
        let moov = boxed(b"moov", &[boxed(b"mvhd", &mvhd), udta, trak].concat());
        let ftyp = boxed(b"ftyp", b"qt  \0\0\0\0qt  ");
        let mdat = boxed(b"mdat", &[7u8; 5000]);
        if moov_last {
            [ftyp, mdat, moov].concat()
        } else {
            [ftyp, moov, mdat].concat()
        }
    }

    async fn run(input: Vec<u8>, chunk: usize) -> Vec<u8> {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            input.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let out: Vec<Result<Bytes, std::io::Error>> = strip(futures::stream::iter(chunks)).collect().await;
        out.into_iter().flat_map(|r| r.unwrap().to_vec()).collect()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[tokio::test]
    async fn metadata_is_blanked_in_place_whatever_the_chunking() {
        for moov_last in [false, true] {
            let input = video(moov_last);
            for chunk in [1, 3, 8, 13, 64, 4096, input.len()] {
                let out = run(input.clone(), chunk).await;
                assert_eq!(out.len(), input.len(), "nothing moves (chunks of {chunk})");
                assert!(!contains(&out, b"+48.8584"), "the GPS position is gone (chunks of {chunk})");
                assert!(!contains(&out, b"quicktime.make"), "track metadata is gone");
                assert!(!contains(&out, &[0xAA; 8]) && !contains(&out, &[0xBB; 8]), "times are zeroed");
                assert!(!contains(&out, b"udta") && contains(&out, b"free"));
                assert!(out.starts_with(&input[..24]), "ftyp unchanged, so the type still sniffs");
                assert!(contains(&out, &[7u8; 5000]), "the media data is untouched");
                assert!(contains(&out, &[1, 2, 3]), "the rest of tkhd is kept");
            }
        }
    }

    #[tokio::test]
    async fn anything_else_passes_unchanged() {
        let webm = [&[0x1A, 0x45, 0xDF, 0xA3][..], b"webm udta meta moov", &[9u8; 300]].concat();
        assert_eq!(run(webm.clone(), 7).await, webm);
        let short = b"ftyp".to_vec();
        assert_eq!(run(short.clone(), 2).await, short);
    }
}
