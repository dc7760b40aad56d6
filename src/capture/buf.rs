//! The reader's one reused buffer: large reads, records spanning reads,
//! bounded growth for records larger than the buffer.

use std::io::{self, Read};

/// Size of the buffer and of each read.
pub(crate) const CHUNK: usize = 1 << 20;

pub(crate) struct StreamBuf {
    data: Vec<u8>,
    /// First unconsumed byte.
    start: usize,
    /// End of the valid bytes.
    end: usize,
    /// File offset of `data[0]`.
    base: u64,
    eof: bool,
}

impl StreamBuf {
    pub(crate) fn new() -> StreamBuf {
        StreamBuf {
            data: vec![0; CHUNK],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
        }
    }

    /// Unconsumed bytes in the buffer.
    #[inline]
    pub(crate) fn avail(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// File offset of the first unconsumed byte.
    #[inline]
    pub(crate) fn pos(&self) -> u64 {
        self.base.saturating_add(self.start as u64)
    }

    /// Index in [`bytes`](Self::bytes) of the first unconsumed byte.
    #[inline]
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// The whole buffer (indexes from [`start`](Self::start)).
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Up to `len` unconsumed bytes.
    #[inline]
    pub(crate) fn peek(&self, len: usize) -> &[u8] {
        let stop = self.start.saturating_add(len).min(self.end);
        self.data.get(self.start..stop).unwrap_or(&[])
    }

    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
    }

    /// Makes at least `need` unconsumed bytes available, reading as needed.
    /// Returns the number available: less than `need` only at end of input.
    /// `need` must be bounded by the caller (it is the buffer size needed).
    #[inline]
    pub(crate) fn fill(&mut self, src: &mut dyn Read, need: usize) -> io::Result<usize> {
        let have = self.avail();
        if have >= need || self.eof {
            return Ok(have);
        }
        self.fill_slow(src, need)
    }

    #[cold]
    fn fill_slow(&mut self, src: &mut dyn Read, need: usize) -> io::Result<usize> {
        // Move the unconsumed tail to the front when the room after it is
        // short: it is at most one partial record, so the copy is cheap and
        // the next reads are large.
        if self.start > 0
            && (self.data.len().saturating_sub(self.end) < CHUNK / 2 || self.data.len() - self.start < need)
        {
            self.data.copy_within(self.start..self.end, 0);
            self.base = self.base.saturating_add(self.start as u64);
            self.end -= self.start;
            self.start = 0;
            // Give memory back after one huge record.
            if self.data.len() > 4 * CHUNK && self.end <= CHUNK && need <= CHUNK {
                self.data.truncate(CHUNK);
                self.data.shrink_to_fit();
            }
        }
        while self.avail() < need && !self.eof {
            if self.end == self.data.len() {
                // Grow by doubling (not straight to `need`): a hostile length
                // in a short input costs no more than twice what was read.
                let want = self.start.saturating_add(need);
                let new_len = self.data.len().saturating_mul(2).min(want.max(CHUNK));
                self.data.resize(new_len.max(self.end.saturating_add(1)), 0);
            }
            let room = self.data.get_mut(self.end..).unwrap_or(&mut []);
            match src.read(room) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end = self.end.saturating_add(n).min(self.data.len()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.avail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns at most `step` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn spans_reads_and_grows() {
        let data: Vec<u8> = (0..3 * CHUNK + 100).map(|i| (i % 251) as u8).collect();
        let mut src = Trickle(&data, 100_000);
        let mut b = StreamBuf::new();
        let mut off = 0usize;
        // Walk in odd-sized steps, one larger than the buffer.
        for step in [10usize, CHUNK - 3, 2 * CHUNK + 1, 13] {
            let have = b.fill(&mut src, step).unwrap();
            assert!(have >= step, "step {step}: have {have}");
            assert_eq!(b.pos(), off as u64);
            assert_eq!(b.peek(step), &data[off..off + step]);
            b.consume(step);
            off += step;
        }
        let rest = data.len() - off;
        assert_eq!(b.fill(&mut src, 1000).unwrap(), rest);
        assert_eq!(b.peek(1000), &data[off..]);
        assert!(b.data.len() <= 4 * CHUNK);
    }

    #[test]
    fn hostile_need_is_bounded_by_input() {
        let data = vec![7u8; 5000];
        let mut src = Trickle(&data, 5000);
        let mut b = StreamBuf::new();
        assert_eq!(b.fill(&mut src, 200 << 20).unwrap(), 5000);
        assert!(b.data.len() <= 2 * CHUNK);
    }
}
