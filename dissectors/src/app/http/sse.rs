//! Server-Sent Events (`text/event-stream`, WHATWG HTML 9.2): a response
//! body made of events, each a block of `field: value` lines ended by an
//! empty line. Fields: `id`, `event`, `data` (several lines join with LF),
//! `retry` (reconnection time in ms); lines starting with `:` are comments.

use std::ops::Range;

/// What a line of an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SseKind {
    Id,
    Event,
    Data,
    /// `retry`, with its value when it is all digits.
    Retry(Option<u64>),
    Comment,
    /// A field the standard ignores.
    Other,
}

/// One line of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseLine {
    pub kind: SseKind,
    /// The line with its terminator.
    pub line: Range<usize>,
    pub name: Range<usize>,
    /// The value (after the colon and one optional space).
    pub value: Range<usize>,
}

/// Most lines listed for one event.
pub const MAX_LINES: usize = 1024;

/// The next line in `data` from `at`: (content end, line end). A CR at the
/// very end may still be followed by LF, so it does not end a line yet.
fn line_at(data: &[u8], at: usize) -> Option<(usize, usize)> {
    let rest = data.get(at..)?;
    let p = rest.iter().position(|&c| c == b'\n' || c == b'\r')?;
    match (rest.get(p), rest.get(p + 1)) {
        (Some(b'\r'), Some(b'\n')) => Some((at + p, at + p + 2)),
        (Some(b'\r'), None) => None,
        _ => Some((at + p, at + p + 1)),
    }
}

/// Where the event starting at `from` ends (just past its empty line).
pub fn event_end(data: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let (ce, le) = line_at(data, at)?;
        if ce == at {
            return Some(le);
        }
        at = le;
    }
}

/// The lines of one event (`data` is the event, its empty line included).
pub fn parse_event(data: &[u8]) -> Vec<SseLine> {
    let mut out = Vec::new();
    let mut at = 0;
    while out.len() < MAX_LINES {
        let (ce, le) = match line_at(data, at) {
            Some(x) => x,
            None if at < data.len() => (data.len(), data.len()),
            None => break,
        };
        if ce == at {
            break;
        }
        let line = data.get(at..ce).unwrap_or(&[]);
        let colon = line.iter().position(|&c| c == b':');
        let (name_end, mut v) = match colon {
            Some(c) => (at + c, at + c + 1),
            None => (ce, ce),
        };
        if colon.is_some() && data.get(v) == Some(&b' ') {
            v += 1;
        }
        let name = data.get(at..name_end).unwrap_or(&[]);
        let value = data.get(v..ce).unwrap_or(&[]);
        let kind = match name {
            b"" => SseKind::Comment,
            b"id" => SseKind::Id,
            b"event" => SseKind::Event,
            b"data" => SseKind::Data,
            b"retry" => SseKind::Retry(
                (!value.is_empty() && value.iter().all(u8::is_ascii_digit))
                    .then(|| std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()))
                    .flatten(),
            ),
            _ => SseKind::Other,
        };
        out.push(SseLine {
            kind,
            line: at..le,
            name: at..name_end,
            value: v.min(ce)..ce,
        });
        at = le;
    }
    out
}

/// The event's type (`message` when it names none), id and joined data.
pub fn summary(data: &[u8]) -> (String, Option<String>, String) {
    let mut ty = None;
    let mut id = None;
    let mut payload: Vec<u8> = Vec::new();
    let mut first = true;
    for l in parse_event(data) {
        let v = data.get(l.value.clone()).unwrap_or(&[]);
        match l.kind {
            SseKind::Event => ty = Some(String::from_utf8_lossy(v).into_owned()),
            SseKind::Id => id = Some(String::from_utf8_lossy(v).into_owned()),
            SseKind::Data => {
                if !first {
                    payload.push(b'\n');
                }
                first = false;
                payload.extend_from_slice(v);
            }
            _ => {}
        }
    }
    (
        ty.unwrap_or_else(|| "message".into()),
        id,
        String::from_utf8_lossy(&payload).into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_fields() {
        let s = b": hello\r\nid: 7\r\nevent: tick\r\ndata: a\r\ndata:b\r\nretry: 3000\r\n\r\ndata: next\n\n";
        let e = event_end(s, 0).unwrap();
        assert_eq!(&s[e..], b"data: next\n\n");
        assert_eq!(event_end(s, e), Some(s.len()));
        let lines = parse_event(&s[..e]);
        let kinds: Vec<SseKind> = lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            vec![
                SseKind::Comment,
                SseKind::Id,
                SseKind::Event,
                SseKind::Data,
                SseKind::Data,
                SseKind::Retry(Some(3000))
            ]
        );
        assert_eq!(summary(&s[..e]), ("tick".into(), Some("7".into()), "a\nb".into()));
        assert_eq!(event_end(b"data: x\r\n\r", 0), None);
        assert_eq!(event_end(b"data: x\n", 0), None);
    }
}
