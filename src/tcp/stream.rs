//! The interface between reassembly and application dissectors: ordered
//! bytes of one direction, with the frames that carried them, are fed to a
//! dissector that answers how much it consumed, how much more it needs, or
//! that the stream is not its protocol. Bytes it has not consumed stay
//! buffered (bounded) until more arrive, so the result never depends on how
//! the bytes were cut into segments.

use super::reasm::Piece;
use super::state::Side;

/// A dissector's answer to the bytes it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// It used this many bytes from the start of the chunk (0 is allowed).
    Consumed(usize),
    /// It cannot go on until at least this many more bytes arrive.
    NeedMore(usize),
    /// This stream is not its protocol: stop feeding it.
    NotMine,
}

/// Ordered bytes offered to a dissector, with their provenance.
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    pub side: Side,
    /// Stream offset of `data[0]`.
    pub offset: u64,
    pub data: &'a [u8],
    /// (stream offset, length, frame number) of each run of bytes in `data`.
    pub frames: &'a [(u64, u32, u64)],
    /// The frame being ingested: a message completed now belongs to it.
    pub now_frame: u64,
    /// Its capture time (ns since the epoch).
    pub now_ns: i64,
}

impl Chunk<'_> {
    /// The frames that carried `data[from..to]`.
    pub fn frames_of(&self, from: usize, to: usize) -> Vec<u64> {
        let (a, b) = (self.offset + from as u64, self.offset + to as u64);
        self.frames
            .iter()
            .filter(|(o, l, _)| *o < b && o + u64::from(*l) > a)
            .map(|f| f.2)
            .collect()
    }
}

/// An application protocol dissector over one TCP connection.
pub trait StreamDissector {
    /// Ordered bytes of one direction; called again while it consumes.
    fn feed(&mut self, chunk: &Chunk<'_>) -> Feed;
    /// Bytes of `side` that the capture never saw: the dissector resynchronises.
    fn gap(&mut self, side: Side, offset: u64, len: u64) {
        let _ = (side, offset, len);
    }
    /// Direction `chunk.side` ended (FIN, RST, or the end of the capture):
    /// `chunk.data` holds the bytes it had not consumed, and no more will
    /// come. A message delimited by the close (an HTTP body without a length)
    /// completes here, on `chunk.now_frame`.
    fn end(&mut self, chunk: &Chunk<'_>) {
        let _ = chunk;
    }
}

impl<T: StreamDissector + ?Sized> StreamDissector for Box<T> {
    fn feed(&mut self, chunk: &Chunk<'_>) -> Feed {
        (**self).feed(chunk)
    }
    fn gap(&mut self, side: Side, offset: u64, len: u64) {
        (**self).gap(side, offset, len)
    }
    fn end(&mut self, chunk: &Chunk<'_>) {
        (**self).end(chunk)
    }
}

/// One direction's bytes waiting for the dissector.
#[derive(Debug, Default)]
struct Pending {
    offset: u64,
    data: Vec<u8>,
    frames: Vec<(u64, u32, u64)>,
    /// Bytes the dissector said it needs before it can go on.
    need: usize,
}

/// Feeds reassembled pieces to a dissector, buffering what it has not consumed.
pub struct StreamFeeder<D: StreamDissector> {
    pub dissector: D,
    pending: [Pending; 2],
    /// Most bytes buffered per direction; past it the buffer is dropped as a gap.
    cap: usize,
    /// The dissector said NotMine.
    pub rejected: bool,
    /// Bytes dropped because the dissector waited for more than the cap.
    pub overflowed: u64,
    /// The frame being ingested and its time.
    now: (u64, i64),
    /// Each direction's end was reported.
    ended: [bool; 2],
}

impl<D: StreamDissector> StreamFeeder<D> {
    pub fn new(dissector: D, cap: usize) -> Self {
        StreamFeeder {
            dissector,
            pending: [Pending::default(), Pending::default()],
            cap,
            rejected: false,
            overflowed: 0,
            now: (0, 0),
            ended: [false; 2],
        }
    }

    /// Hands one reassembled piece of `side` to the dissector, while frame
    /// `now_frame` captured at `now_ns` is being ingested.
    pub fn push(&mut self, side: Side, piece: &Piece, now_frame: u64, now_ns: i64) {
        self.now = (now_frame, now_ns);
        if self.rejected || self.ended[side.index()] {
            return;
        }
        let p = &mut self.pending[side.index()];
        match piece {
            Piece::Gap { offset, len } => {
                // What was waiting can never be completed.
                p.data.clear();
                p.frames.clear();
                p.need = 0;
                p.offset = offset + len;
                self.dissector.gap(side, *offset, *len);
                return;
            }
            Piece::Data { offset, bytes, frame } => {
                if p.data.is_empty() {
                    p.offset = *offset;
                }
                p.frames.push((*offset, bytes.len() as u32, *frame));
                p.data.extend_from_slice(bytes);
            }
        }
        if p.data.len() < p.need {
            self.bound(side);
            return;
        }
        self.run(side);
    }

    fn bound(&mut self, side: Side) {
        let cap = self.cap;
        let p = &mut self.pending[side.index()];
        if p.data.len() > cap {
            let (offset, len) = (p.offset, p.data.len() as u64);
            self.overflowed += len;
            p.data.clear();
            p.frames.clear();
            p.need = 0;
            p.offset = offset + len;
            self.dissector.gap(side, offset, len);
        }
    }

    /// Direction `side` ends (FIN, RST, end of capture) while frame
    /// `now_frame` is being ingested: the dissector sees what it had not
    /// consumed, once.
    pub fn end(&mut self, side: Side, now_frame: u64, now_ns: i64) {
        if self.rejected || self.ended[side.index()] {
            return;
        }
        self.ended[side.index()] = true;
        let p = std::mem::take(&mut self.pending[side.index()]);
        let chunk = Chunk {
            side,
            offset: p.offset,
            data: &p.data,
            frames: &p.frames,
            now_frame,
            now_ns,
        };
        self.dissector.end(&chunk);
    }

    /// Whether bytes of `side` wait for the rest of their message.
    pub fn waiting(&self, side: Side) -> bool {
        !self.rejected && !self.pending[side.index()].data.is_empty()
    }

    /// Whether frame `frame` carried bytes of `side` that wait for the rest of their message.
    pub fn holds_frame(&self, side: Side, frame: u64) -> bool {
        !self.rejected && self.pending[side.index()].frames.iter().any(|f| f.2 == frame)
    }

    fn run(&mut self, side: Side) {
        loop {
            let p = &mut self.pending[side.index()];
            if p.data.is_empty() {
                p.need = 0;
                return;
            }
            let chunk = Chunk {
                side,
                offset: p.offset,
                data: &p.data,
                frames: &p.frames,
                now_frame: self.now.0,
                now_ns: self.now.1,
            };
            match self.dissector.feed(&chunk) {
                Feed::NotMine => {
                    self.rejected = true;
                    self.pending = [Pending::default(), Pending::default()];
                    return;
                }
                Feed::NeedMore(n) => {
                    p.need = p.data.len().saturating_add(n.max(1));
                    self.bound(side);
                    return;
                }
                Feed::Consumed(0) => {
                    p.need = p.data.len() + 1;
                    return;
                }
                Feed::Consumed(n) => {
                    let n = n.min(p.data.len());
                    p.data.drain(..n);
                    p.offset += n as u64;
                    let start = p.offset;
                    p.frames.retain(|(o, l, _)| o + u64::from(*l) > start);
                    p.need = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy protocol: messages of a 1-byte length then that many bytes.
    #[derive(Default)]
    struct LenPrefixed {
        messages: Vec<(Side, Vec<u8>, Vec<u64>)>,
        gaps: u64,
    }

    impl StreamDissector for LenPrefixed {
        fn feed(&mut self, c: &Chunk<'_>) -> Feed {
            let Some(&n) = c.data.first() else {
                return Feed::NeedMore(1);
            };
            if n == 0xff {
                return Feed::NotMine;
            }
            let total = 1 + usize::from(n);
            if c.data.len() < total {
                return Feed::NeedMore(total - c.data.len());
            }
            self.messages
                .push((c.side, c.data[1..total].to_vec(), c.frames_of(0, total)));
            Feed::Consumed(total)
        }
        fn gap(&mut self, _: Side, _: u64, len: u64) {
            self.gaps += len;
        }
    }

    fn stream() -> Vec<u8> {
        let mut v = Vec::new();
        for m in [&b"hello"[..], b"", b"a longer message of some bytes", b"x"] {
            v.push(m.len() as u8);
            v.extend_from_slice(m);
        }
        v
    }

    fn feed_cut(data: &[u8], cuts: &[usize]) -> LenPrefixed {
        let mut f = StreamFeeder::new(LenPrefixed::default(), 1 << 16);
        let mut at = 0;
        let mut frame = 1;
        for &c in cuts.iter().chain(std::iter::once(&data.len())) {
            let end = c.min(data.len());
            if end > at {
                f.push(
                    Side::Client,
                    &Piece::Data {
                        offset: at as u64,
                        bytes: data[at..end].to_vec(),
                        frame,
                    },
                    0,
                    0,
                );
                frame += 1;
                at = end;
            }
        }
        f.dissector
    }

    #[test]
    fn messages_do_not_depend_on_segmentation_and_know_their_frames() {
        let data = stream();
        let whole = feed_cut(&data, &[]);
        assert_eq!(whole.messages.len(), 4);
        for cuts in [
            vec![1],
            vec![3, 4, 5],
            (1..data.len()).collect::<Vec<_>>(),
            vec![7, 8, 20],
        ] {
            let d = feed_cut(&data, &cuts);
            let msgs: Vec<&Vec<u8>> = d.messages.iter().map(|m| &m.1).collect();
            let want: Vec<&Vec<u8>> = whole.messages.iter().map(|m| &m.1).collect();
            assert_eq!(msgs, want, "cuts {cuts:?}");
        }
        // Cut every byte: the third message (31 bytes) came in 31 frames.
        let d = feed_cut(&data, &(1..data.len()).collect::<Vec<_>>());
        assert_eq!(d.messages[2].2.len(), 31);
    }

    #[test]
    fn not_mine_stops_feeding_and_gaps_resynchronise() {
        let mut f = StreamFeeder::new(LenPrefixed::default(), 1 << 16);
        f.push(
            Side::Server,
            &Piece::Data {
                offset: 0,
                bytes: vec![3, b'a'],
                frame: 1,
            },
            0,
            0,
        );
        f.push(Side::Server, &Piece::Gap { offset: 2, len: 10 }, 0, 0);
        f.push(
            Side::Server,
            &Piece::Data {
                offset: 12,
                bytes: vec![1, b'z'],
                frame: 2,
            },
            0,
            0,
        );
        assert_eq!(f.dissector.gaps, 10);
        assert_eq!(
            f.dissector.messages.len(),
            1,
            "the cut message is dropped, the next one parsed"
        );
        f.push(
            Side::Server,
            &Piece::Data {
                offset: 14,
                bytes: vec![0xff],
                frame: 3,
            },
            0,
            0,
        );
        assert!(f.rejected);
        f.push(
            Side::Server,
            &Piece::Data {
                offset: 15,
                bytes: vec![1, b'q'],
                frame: 4,
            },
            0,
            0,
        );
        assert_eq!(f.dissector.messages.len(), 1);
    }

    #[test]
    fn waiting_is_bounded() {
        let mut f = StreamFeeder::new(LenPrefixed::default(), 16);
        f.push(
            Side::Client,
            &Piece::Data {
                offset: 0,
                bytes: vec![200; 10],
                frame: 1,
            },
            0,
            0,
        );
        f.push(
            Side::Client,
            &Piece::Data {
                offset: 10,
                bytes: vec![7; 10],
                frame: 2,
            },
            0,
            0,
        );
        assert_eq!(f.overflowed, 20);
        assert_eq!(f.dissector.gaps, 20);
    }
}
