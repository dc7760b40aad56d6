//! The models of the flow screens: the ladder (sequence) diagram of a
//! connection and the follow-stream text. Both replay the flow's frames.

use std::cell::Cell;

use wirelens_dissectors::frame::columns;

use crate::flow::Endpoint;
use crate::store::{Built, FlowRow, GroupKind, Plan, Replayer, Store};
use crate::tcp::reasm::Piece;
use crate::tcp::state::{Side, State};

/// One arrow of the ladder.
#[derive(Clone, Debug, PartialEq)]
pub struct LadderRow {
    pub frame: u32,
    pub rel_ns: i64,
    pub from_client: bool,
    /// `[SYN, ACK] Seq=0 Ack=1 Len=0`, with the engine's analysis first.
    pub label: String,
    /// The application message this packet completed (HTTP request, WebSocket frame, DNS query).
    pub app: Option<String>,
    /// Client and server states after this packet.
    pub states: Option<(State, State)>,
    /// The anomaly class of the frame's row (colours).
    pub class: u8,
}

/// A connection drawn as a ladder diagram.
#[derive(Debug)]
pub struct Ladder {
    pub group: u32,
    pub title: String,
    pub client: String,
    pub server: String,
    pub rows: Vec<LadderRow>,
    /// TIME-WAIT: which side, from when to when (seconds since the capture's start).
    pub time_wait: Option<(String, f64, f64)>,
    pub conn_state: String,
    pub history: String,
    pub sel: usize,
    pub top: Cell<usize>,
}

fn tcp_flags(f: u16) -> String {
    const NAMES: [(u16, &str); 8] = [
        (0x01, "FIN"),
        (0x02, "SYN"),
        (0x04, "RST"),
        (0x08, "PSH"),
        (0x10, "ACK"),
        (0x20, "URG"),
        (0x40, "ECE"),
        (0x80, "CWR"),
    ];
    let v: Vec<&str> = NAMES.iter().filter(|(b, _)| f & b != 0).map(|(_, n)| *n).collect();
    format!("[{}]", v.join(", "))
}

/// The flow's two ends and the source of the frame as `ip:port` strings.
fn endpoints(b: &Built) -> Option<(String, String)> {
    let ip = b.p.decoded.ip.as_ref()?;
    let (sp, dp) = match (b.p.decoded.tcp(), b.p.decoded.udp()) {
        (Some(t), _) => (t.sport, t.dport),
        (_, Some(u)) => (u.sport, u.dport),
        _ => return None,
    };
    Some((
        Endpoint { ip: ip.src(), port: sp }.to_string(),
        Endpoint { ip: ip.dst(), port: dp }.to_string(),
    ))
}

/// What building a flow's screen needs from the store, copied out so the
/// replay runs on its own thread without holding the store.
#[derive(Clone, Debug)]
pub struct FlowCtx {
    pub group: u32,
    pub title: String,
    pub is_tcp: bool,
    pub plan: Plan,
    pub sum: Option<FlowRow>,
    /// The anomaly class of each frame of the plan, in order.
    pub classes: Vec<u8>,
    pub first_ts: i64,
}

impl FlowCtx {
    /// The context of a flow group; ARP and ICMP groups have no flow screens.
    pub fn of(st: &Store, group: u32) -> Result<FlowCtx, String> {
        let g = st.groups.get(group as usize).ok_or("no such flow")?;
        let (title, is_tcp) = match g.kind {
            GroupKind::Tcp(n) => (format!("TCP stream {n}"), true),
            GroupKind::Udp(n) => (format!("UDP stream {n}"), false),
            _ => return Err("ARP and ICMP frames have no connection to draw or stream to follow".into()),
        };
        let plan = st.plan_group(group)?;
        let classes = plan
            .frames
            .iter()
            .map(|(f, _, _)| st.rows.get(*f as usize).map_or(0, |r| r.class))
            .collect();
        Ok(FlowCtx {
            group,
            title,
            is_tcp,
            sum: st.flow(&g.kind).cloned(),
            plan,
            classes,
            first_ts: st.first_ts.unwrap_or(0),
        })
    }
}

/// Builds the ladder of a flow. `progress(done, total)` is called every
/// 1024 frames; returning false stops (an error says it was cancelled).
pub fn ladder(rp: &mut Replayer, cx: &FlowCtx, progress: impl FnMut(usize, usize) -> bool) -> Result<Ladder, String> {
    let sum = cx.sum.as_ref();
    let (group, title) = (cx.group, cx.title.clone());
    let mut client = sum.map(|s| s.client.to_string());
    let mut server = sum.map(|s| s.server.to_string());
    let mut rows = Vec::new();
    let mut i = 0;
    rp.each(&cx.plan, progress, |b| {
        let class = cx.classes.get(i).copied().unwrap_or(0);
        i += 1;
        let Some((src, dst)) = endpoints(b) else { return };
        if client.is_none() {
            client = Some(src.clone());
            server = Some(dst.clone());
        }
        let from_client = client.as_deref() == Some(src.as_str());
        let c = columns(&b.p.decoded, &b.p.meta, &b.data, &b.p.ann);
        let mut label = b.p.ann.info_prefix.clone().unwrap_or_default();
        if let Some(t) = b.p.decoded.tcp() {
            let ctx = b.p.ann.tcp.as_ref();
            let seq = t.seq.wrapping_sub(ctx.and_then(|c| c.seq_base).unwrap_or(0));
            label.push_str(&tcp_flags(t.flags));
            label.push_str(&format!(" Seq={seq}"));
            if t.flags & 0x10 != 0 {
                let ack = t.ack.wrapping_sub(ctx.and_then(|c| c.ack_base).unwrap_or(0));
                label.push_str(&format!(" Ack={ack}"));
            }
            label.push_str(&format!(" Len={}", t.wire_len));
        } else if let Some(u) = b.p.decoded.udp() {
            label.push_str(&format!("Len={}", u.length.saturating_sub(8)));
        }
        let app = (!matches!(c.proto.as_str(), "TCP" | "UDP")).then(|| c.info.clone());
        let frame = u32::try_from(b.p.meta.number.saturating_sub(1)).unwrap_or(u32::MAX);
        rows.push(LadderRow {
            frame,
            rel_ns: b.p.meta.rel_ns,
            from_client,
            label,
            app,
            states: b.p.states,
            class,
        });
    })?;
    Ok(Ladder {
        group,
        title,
        client: client.unwrap_or_default(),
        server: server.unwrap_or_default(),
        rows,
        time_wait: sum.and_then(|s| {
            s.time_wait.map(|(side, since, until)| {
                let base = cx.first_ts as f64 / 1e9;
                (side.to_string(), since - base, until - base)
            })
        }),
        conn_state: sum.map(|s| s.conn_state.to_string()).unwrap_or_default(),
        history: sum.map(|s| s.history.to_string()).unwrap_or_default(),
        sel: 0,
        top: Cell::new(0),
    })
}

/// The follow-stream view of a flow.
#[derive(Debug)]
pub struct FollowView {
    pub group: u32,
    pub title: String,
    /// Message by message (HTTP, WebSocket, DNS) instead of the raw stream.
    pub messages: bool,
    /// Lines with who sent them (None: a note such as a gap).
    pub lines: Vec<(Option<bool>, String)>,
    pub top: usize,
}

fn text_lines(out: &mut Vec<(Option<bool>, String)>, from_client: bool, bytes: &[u8]) {
    let mut line = String::new();
    for &b in bytes {
        match b {
            b'\n' => out.push((Some(from_client), std::mem::take(&mut line))),
            b'\r' => {}
            0x20..=0x7e => line.push(char::from(b)),
            b'\t' => line.push_str("    "),
            _ => line.push('.'),
        }
    }
    if !line.is_empty() {
        out.push((Some(from_client), line));
    }
}

/// Builds the follow view of a flow group.
pub fn follow(
    rp: &mut Replayer,
    cx: &FlowCtx,
    messages: bool,
    progress: impl FnMut(usize, usize) -> bool,
) -> Result<FollowView, String> {
    let (group, title, is_tcp) = (cx.group, cx.title.clone(), cx.is_tcp);
    let mut client = cx.sum.as_ref().map(|s| s.client.to_string());
    let mut lines = Vec::new();
    rp.each(&cx.plan, progress, |b| {
        let Some((src, _)) = endpoints(b) else { return };
        let from_client = client.get_or_insert_with(|| src.clone()).as_str() == src;
        if messages {
            let mut s = String::new();
            crate::commands::follow_messages(&mut s, &b.p, &b.data);
            let mut side = None;
            for l in s.lines() {
                if l.starts_with("──") {
                    side = Some(l.contains("client → server"));
                }
                lines.push((side, l.to_string()));
            }
            return;
        }
        if is_tcp {
            for (side, piece) in &b.p.pieces {
                match piece {
                    Piece::Data { bytes, .. } => text_lines(&mut lines, *side == Side::Client, bytes),
                    Piece::Gap { len, offset } => lines.push((
                        None,
                        format!(
                            "[{len} bytes missing in capture at {} offset {offset}]",
                            if *side == Side::Client { "client" } else { "server" }
                        ),
                    )),
                }
            }
        } else {
            text_lines(&mut lines, from_client, b.p.decoded.l4_payload(&b.data));
        }
    })?;
    if lines.is_empty() {
        lines.push((
            None,
            if messages {
                "[no DNS, HTTP or WebSocket message in this flow; press m for the raw stream]".to_string()
            } else {
                "[no payload in this flow]".to_string()
            },
        ));
    }
    Ok(FollowView {
        group,
        title,
        messages,
        lines,
        top: 0,
    })
}
