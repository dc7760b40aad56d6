//! The observer's view of a TCP connection: both endpoints' RFC 793 states,
//! driven by the segments seen on the wire, with the reason for every
//! transition. Pure: no I/O, time only from segment timestamps.
//!
//! A segment changes its sender's state when it is seen (the sender has sent
//! it) and its receiver's state as if it arrived at that moment. When a later
//! segment proves the receiver had not yet got it (a FIN crossing another
//! FIN), the machine says so and takes the path the RFC gives for that case.

use std::fmt;

use super::seq;

/// RFC 793 connection states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    #[default]
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::CloseWait => "CLOSE-WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST-ACK",
            State::TimeWait => "TIME-WAIT",
        }
    }

    /// A state in which the endpoint has closed its sending half or the connection is gone.
    pub fn is_closing(self) -> bool {
        matches!(
            self,
            State::FinWait1 | State::FinWait2 | State::Closing | State::LastAck | State::TimeWait | State::Closed
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One side of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The endpoint that sent the SYN (or, without a handshake, the inferred one).
    Client,
    Server,
}

impl Side {
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

/// What the state machine needs to know of a segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seg {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub seq: u32,
    pub ack_no: u32,
    /// Payload length on the wire.
    pub len: u32,
}

impl Seg {
    /// Sequence number after this segment (SYN and FIN count one each).
    pub fn end(&self) -> u32 {
        self.seq
            .wrapping_add(self.len)
            .wrapping_add(u32::from(self.syn))
            .wrapping_add(u32::from(self.fin))
    }
}

/// One endpoint as the observer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub state: State,
    /// Initial sequence number (from its SYN).
    pub isn: Option<u32>,
    /// Sequence number of its FIN.
    pub fin_seq: Option<u32>,
    pub fin_acked: bool,
    /// Highest sequence number it has sent (end of its last new segment).
    pub next_seq: Option<u32>,
    /// TIME-WAIT: entered at, ends at (ns, capture clock).
    pub time_wait: Option<(i64, i64)>,
    pub sent_syn: bool,
    pub sent_fin: bool,
    pub sent_rst: bool,
    /// Came from LISTEN (passive open): a RST in SYN-RECEIVED returns it to LISTEN.
    pub passive: bool,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            state: State::Closed,
            isn: None,
            fin_seq: None,
            fin_acked: false,
            next_seq: None,
            time_wait: None,
            sent_syn: false,
            sent_fin: false,
            sent_rst: false,
            passive: false,
        }
    }
}

/// A state change of one side, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub side: Side,
    pub from: State,
    pub to: State,
    pub why: String,
    /// When it happened, if not at the segment that revealed it (ns).
    pub at: Option<i64>,
}

/// A lesson or remark about a segment (shown in the tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remark {
    /// Stable code, e.g. `wirelens.tcp.handshake`.
    pub code: &'static str,
    pub text: String,
}

/// What a teardown step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeardownEvent {
    /// A side sends its FIN; `first` is true for the first FIN of the connection.
    Fin { side: Side, first: bool },
    /// The FIN of `side` is acknowledged.
    FinAcked { side: Side },
}

/// Everything the machine concluded from one segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub transitions: Vec<Transition>,
    /// Earlier transitions this segment proves never happened (side, from, to):
    /// a receiver assumed to have got a FIN that, as its own FIN shows, had not arrived.
    pub retract: Vec<(Side, State, State)>,
    /// Handshake step 1..=3, if this segment is one.
    pub handshake_step: Option<u8>,
    /// Teardown steps (1..=4) this segment carries; FIN+ACK carries two.
    pub teardown_steps: Vec<u8>,
    /// What each of those steps is.
    pub teardown_events: Vec<TeardownEvent>,
    pub remarks: Vec<Remark>,
}

/// Who closed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closer {
    One(Side),
    Both,
}

/// Both endpoints and the connection's story so far.
#[derive(Clone, Debug)]
pub struct Machine {
    pub ep: [Endpoint; 2],
    /// Maximum segment lifetime (ns); TIME-WAIT lasts twice this.
    pub msl_ns: i64,
    pub first_closer: Option<Closer>,
    /// The capture started after the handshake: states were inferred.
    pub midstream: bool,
    /// A SYN was answered by RST (nobody listening).
    pub refused: bool,
    /// Teardown steps numbered so far (the next is this + 1).
    teardown_seen: u8,
    handshake_seen: u8,
    syn_ack_seen: bool,
    simultaneous_open: bool,
    started: bool,
}

fn why(side: Side, what: &str, from: State, to: State) -> String {
    format!("{} {what}: {from} -> {to}", side.name())
}

impl Machine {
    pub fn new(msl_ns: i64) -> Self {
        Machine {
            ep: [Endpoint::default(); 2],
            msl_ns,
            first_closer: None,
            midstream: false,
            refused: false,
            teardown_seen: 0,
            handshake_seen: 0,
            syn_ack_seen: false,
            simultaneous_open: false,
            started: false,
        }
    }

    pub fn state(&self, s: Side) -> State {
        self.ep[s.index()].state
    }

    fn set(&mut self, out: &mut Outcome, side: Side, to: State, why: String) {
        let e = &mut self.ep[side.index()];
        if e.state != to {
            out.transitions.push(Transition {
                side,
                from: e.state,
                to,
                why,
                at: None,
            });
            e.state = to;
        }
    }

    fn enter_time_wait(&mut self, out: &mut Outcome, side: Side, ts: i64, why: String) {
        let until = ts.saturating_add(self.msl_ns.saturating_mul(2));
        self.ep[side.index()].time_wait = Some((ts, until));
        self.set(out, side, State::TimeWait, why);
    }

    /// Ends a TIME-WAIT whose 2MSL has passed by `ts` (capture time).
    pub fn expire(&mut self, ts: i64) -> Vec<Transition> {
        let mut out = Outcome::default();
        for side in [Side::Client, Side::Server] {
            let e = self.ep[side.index()];
            if let (State::TimeWait, Some((_, until))) = (e.state, e.time_wait) {
                if ts >= until {
                    let secs = (self.msl_ns * 2) as f64 / 1e9;
                    self.set(
                        &mut out,
                        side,
                        State::Closed,
                        format!(
                            "{} waited 2MSL ({secs} s) in TIME-WAIT: TIME-WAIT -> CLOSED",
                            side.name()
                        ),
                    );
                    if let Some(t) = out.transitions.last_mut() {
                        t.at = Some(until);
                    }
                }
            }
        }
        out.transitions
    }

    /// The connection is over: nothing more can happen on it but a new SYN.
    pub fn ended(&self) -> bool {
        let [a, b] = self.ep;
        let done = |s: State| matches!(s, State::Closed | State::TimeWait);
        (done(a.state) && done(b.state)) && (a.sent_fin || a.sent_rst || b.sent_fin || b.sent_rst || self.refused)
    }

    /// Feeds one segment sent by `from`, seen at `ts` (ns).
    pub fn on_segment(&mut self, from: Side, s: &Seg, ts: i64) -> Outcome {
        let mut out = Outcome::default();
        let to = from.other();
        for t in self.expire(ts) {
            out.transitions.push(t);
        }
        if !self.started {
            self.started = true;
            self.start(&mut out, from, s);
        }
        let (fi, ti) = (from.index(), to.index());
        // Bookkeeping of what the sender has sent.
        {
            let e = &mut self.ep[fi];
            if s.syn && e.isn.is_none() {
                e.isn = Some(s.seq);
            }
            let end = s.end();
            e.next_seq = Some(match e.next_seq {
                Some(n) => seq::max(n, end),
                None => end,
            });
        }

        if s.rst {
            self.on_rst(&mut out, from, s, ts);
            return out;
        }

        // --- Acknowledgements first: RFC 793 processes the ACK field before the FIN bit.
        if s.ack {
            self.on_ack(&mut out, from, s, ts);
        }

        // --- SYN
        if s.syn {
            self.on_syn(&mut out, from, s);
        }

        // --- FIN
        if s.fin {
            self.on_fin(&mut out, from, s, ts);
        } else if s.len > 0 && self.ep[fi].state == State::CloseWait && self.ep[ti].state.is_closing() {
            out.remarks.push(Remark {
                code: "wirelens.tcp.half_close",
                text: format!(
                    "half-close: the {} already sent its FIN, but the {} keeps sending data (CLOSE-WAIT may last as long as it likes)",
                    to.name(),
                    from.name()
                ),
            });
        }
        out
    }

    /// The first segment seen: a SYN starts from CLOSED/LISTEN; anything
    /// else means the capture joined an existing connection.
    fn start(&mut self, out: &mut Outcome, from: Side, s: &Seg) {
        let to = from.other();
        if s.syn && !s.ack {
            // The server must be listening for the SYN to mean anything.
            self.ep[to.index()].state = State::Listen;
            self.ep[to.index()].passive = true;
            return;
        }
        if s.syn && s.ack {
            // The client's SYN was not captured.
            self.ep[from.index()].state = State::Listen;
            self.ep[from.index()].passive = true;
            self.ep[to.index()].state = State::SynSent;
            self.ep[to.index()].sent_syn = true;
            self.ep[to.index()].isn = Some(s.ack_no.wrapping_sub(1));
            self.handshake_seen = 1;
            out.remarks.push(Remark {
                code: "wirelens.tcp.inferred",
                text: "the capture missed the client's SYN: the client is taken to be in SYN-SENT".into(),
            });
            return;
        }
        self.midstream = true;
        for side in [Side::Client, Side::Server] {
            self.ep[side.index()].state = State::Established;
        }
        out.remarks.push(Remark {
            code: "wirelens.tcp.inferred",
            text: "the capture started mid-connection: both sides are taken to be ESTABLISHED (inferred, no handshake seen)".into(),
        });
    }

    fn on_rst(&mut self, out: &mut Outcome, from: Side, s: &Seg, ts: i64) {
        let to = from.other();
        let (fe, te) = (self.ep[from.index()], self.ep[to.index()]);
        self.ep[from.index()].sent_rst = true;
        match te.state {
            // "If the RST bit is set ... in SYN-SENT: if the ACK was acceptable then
            // signal the user 'error: connection reset', drop the segment, enter CLOSED."
            State::SynSent if !self.syn_ack_seen => {
                self.refused = true;
                // It was taken to be listening; the RST says it was CLOSED all along.
                self.ep[from.index()].state = State::Closed;
                self.set(
                    out,
                    to,
                    State::Closed,
                    why(to, "got RST for its SYN: connection refused", te.state, State::Closed),
                );
                out.remarks.push(Remark {
                    code: "wirelens.tcp.refused",
                    text: format!(
                        "connection refused: the {} sent RST in answer to the SYN (no process listening on the port)",
                        from.name()
                    ),
                });
            }
            // "If this connection was initiated with a passive OPEN (i.e., came from
            // the LISTEN state), then return this connection to LISTEN state."
            State::SynReceived if te.passive => {
                self.set(out, from, State::Closed, why(from, "sent RST", fe.state, State::Closed));
                self.set(
                    out,
                    to,
                    State::Listen,
                    why(
                        to,
                        "got RST in SYN-RECEIVED (passive open): back to LISTEN",
                        te.state,
                        State::Listen,
                    ),
                );
            }
            // RFC 1337: a RST arriving in TIME-WAIT ends it early ("TIME-WAIT assassination").
            State::TimeWait => {
                if let Some((since, _)) = te.time_wait {
                    self.ep[to.index()].time_wait = Some((since, ts));
                }
                self.set(out, from, State::Closed, why(from, "sent RST", fe.state, State::Closed));
                self.set(
                    out,
                    to,
                    State::Closed,
                    why(
                        to,
                        "got RST in TIME-WAIT: ends TIME-WAIT early (TIME-WAIT assassination, RFC 1337)",
                        te.state,
                        State::Closed,
                    ),
                );
            }
            State::Closed | State::Listen => {
                self.set(out, from, State::Closed, why(from, "sent RST", fe.state, State::Closed));
            }
            _ => {
                let stage = if te.state == State::Established || fe.state == State::Established {
                    "abort"
                } else {
                    "reset during close"
                };
                self.set(
                    out,
                    from,
                    State::Closed,
                    why(from, &format!("sent RST ({stage})"), fe.state, State::Closed),
                );
                self.set(
                    out,
                    to,
                    State::Closed,
                    why(to, "got RST: connection reset by peer", te.state, State::Closed),
                );
                if self.first_closer.is_none() {
                    self.first_closer = Some(Closer::One(from));
                }
            }
        }
        let _ = s;
    }

    fn on_ack(&mut self, out: &mut Outcome, from: Side, s: &Seg, ts: i64) {
        let to = from.other();
        let te = self.ep[to.index()];
        // Handshake: the ACK of the SYN-ACK completes it (step 3).
        if te.state == State::SynReceived && !s.syn {
            if let Some(isn) = te.isn {
                if seq::ge(s.ack_no, isn.wrapping_add(1)) {
                    self.set(
                        out,
                        to,
                        State::Established,
                        why(to, "got the ACK of its SYN-ACK", State::SynReceived, State::Established),
                    );
                    if self.handshake_seen == 2 {
                        self.handshake_seen = 3;
                        out.handshake_step = Some(3);
                    }
                }
            }
        }
        // A FIN counts as acknowledged only when an ACK covers FIN seq + 1.
        if let (Some(fin), false) = (te.fin_seq, te.fin_acked) {
            if seq::ge(s.ack_no, fin.wrapping_add(1)) {
                self.ep[to.index()].fin_acked = true;
                self.teardown_step(out, TeardownEvent::FinAcked { side: to });
                match te.state {
                    State::FinWait1 => self.set(
                        out,
                        to,
                        State::FinWait2,
                        why(to, "got the ACK of its FIN", State::FinWait1, State::FinWait2),
                    ),
                    State::Closing => self.enter_time_wait(
                        out,
                        to,
                        ts,
                        why(
                            to,
                            "got the ACK of its FIN while CLOSING",
                            State::Closing,
                            State::TimeWait,
                        ),
                    ),
                    State::LastAck => self.set(
                        out,
                        to,
                        State::Closed,
                        why(
                            to,
                            "got the ACK of its FIN (the last ACK)",
                            State::LastAck,
                            State::Closed,
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }

    fn on_syn(&mut self, out: &mut Outcome, from: Side, s: &Seg) {
        let to = from.other();
        let fe = self.ep[from.index()];
        self.ep[from.index()].sent_syn = true;
        if !s.ack {
            match fe.state {
                State::Closed | State::Listen => {
                    let te = self.ep[to.index()];
                    let crossing = te.state == State::SynSent;
                    if crossing {
                        // It sends a SYN of its own: it was not listening but closed, and opens too.
                        self.ep[from.index()].state = State::Closed;
                        self.ep[from.index()].passive = false;
                        self.simultaneous_open = true;
                    }
                    self.set(
                        out,
                        from,
                        State::SynSent,
                        why(from, "sent SYN (active open)", State::Closed, State::SynSent),
                    );
                    if !crossing {
                        self.handshake_seen = self.handshake_seen.max(1);
                        out.handshake_step = Some(1);
                    }
                    // A SYN reaching an endpoint that sent its own SYN: both opened at once.
                    if crossing {
                        self.set(
                            out,
                            to,
                            State::SynReceived,
                            why(
                                to,
                                "got a SYN while in SYN-SENT (simultaneous open)",
                                State::SynSent,
                                State::SynReceived,
                            ),
                        );
                        out.remarks.push(Remark {
                            code: "wirelens.tcp.simultaneous_open",
                            text: "simultaneous open: both sides sent a SYN before receiving the other's; each answers with SYN-ACK".into(),
                        });
                    }
                }
                State::SynSent => {
                    out.handshake_step = Some(1);
                    out.remarks.push(Remark {
                        code: "wirelens.tcp.syn_retry",
                        text: format!("{} sent its SYN again (no SYN-ACK yet)", from.name()),
                    });
                }
                _ => {}
            }
            return;
        }
        // SYN-ACK.
        let te = self.ep[to.index()];
        match fe.state {
            State::Listen | State::Closed => {
                self.set(
                    out,
                    from,
                    State::SynReceived,
                    why(from, "got SYN, sent SYN-ACK", fe.state, State::SynReceived),
                );
                self.ep[from.index()].passive = true;
            }
            State::SynSent => {
                // Simultaneous open: it answers the peer's SYN with SYN-ACK.
                self.set(
                    out,
                    from,
                    State::SynReceived,
                    why(
                        from,
                        "answered the peer's SYN with SYN-ACK (simultaneous open)",
                        fe.state,
                        State::SynReceived,
                    ),
                );
            }
            _ => {}
        }
        self.syn_ack_seen = true;
        let acks_syn = te.isn.is_some_and(|isn| seq::ge(s.ack_no, isn.wrapping_add(1)));
        if self.simultaneous_open {
            // RFC 793 figure 8: the crossing SYN puts each side in SYN-RECEIVED first.
            if te.state == State::SynSent {
                self.set(
                    out,
                    to,
                    State::SynReceived,
                    why(
                        to,
                        "gets the peer's SYN (simultaneous open)",
                        State::SynSent,
                        State::SynReceived,
                    ),
                );
            }
            let te = self.ep[to.index()];
            if te.state == State::SynReceived && acks_syn {
                self.set(
                    out,
                    to,
                    State::Established,
                    why(
                        to,
                        "got the ACK of its SYN (simultaneous open)",
                        State::SynReceived,
                        State::Established,
                    ),
                );
            }
            return;
        }
        if self.handshake_seen >= 1 && self.handshake_seen < 3 {
            self.handshake_seen = 2;
            out.handshake_step = Some(2);
        }
        match te.state {
            // "If the state is SYN-SENT ... if SYN bit is on and security/precedence is acceptable
            // ... If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED."
            State::SynSent if acks_syn => self.set(
                out,
                to,
                State::Established,
                why(
                    to,
                    "got SYN-ACK for its SYN, sends ACK",
                    State::SynSent,
                    State::Established,
                ),
            ),
            State::SynReceived if acks_syn => self.set(
                out,
                to,
                State::Established,
                why(
                    to,
                    "got SYN-ACK for its SYN (simultaneous open)",
                    State::SynReceived,
                    State::Established,
                ),
            ),
            _ => {}
        }
    }

    fn teardown_step(&mut self, out: &mut Outcome, ev: TeardownEvent) {
        if self.teardown_seen < 4 {
            self.teardown_seen += 1;
            out.teardown_steps.push(self.teardown_seen);
            out.teardown_events.push(ev);
        }
    }

    fn on_fin(&mut self, out: &mut Outcome, from: Side, s: &Seg, ts: i64) {
        let to = from.other();
        let fin_seq = s.seq.wrapping_add(s.len).wrapping_add(u32::from(s.syn));
        let fe = self.ep[from.index()];
        let retransmitted = fe.fin_seq.is_some_and(|f| f == fin_seq);
        if retransmitted {
            if fe.state == State::Closed && fe.fin_acked && !fe.sent_rst {
                // It sends its FIN again: the ACK we took as its last never reached it.
                out.retract.push((from, State::LastAck, State::Closed));
                self.ep[from.index()].state = State::LastAck;
                self.ep[from.index()].fin_acked = false;
            }
            let te = self.ep[to.index()];
            if te.state == State::TimeWait {
                // "The only thing that can arrive in this state is a retransmission of the
                // remote FIN. Acknowledge it, and restart the 2 MSL timeout."
                let until = ts.saturating_add(self.msl_ns.saturating_mul(2));
                self.ep[to.index()].time_wait = Some((ts, until));
                out.remarks.push(Remark {
                    code: "wirelens.tcp.fin_retransmitted",
                    text: format!(
                        "retransmitted FIN: the {} did not get the final ACK (lost or late); the {} in TIME-WAIT acknowledges it again and restarts its 2MSL timer",
                        from.name(),
                        to.name()
                    ),
                });
            } else {
                out.remarks.push(Remark {
                    code: "wirelens.tcp.fin_retransmitted",
                    text: format!("{} sent its FIN again (not acknowledged yet)", from.name()),
                });
            }
            return;
        }
        let first = !self.ep[to.index()].sent_fin;
        self.ep[from.index()].fin_seq = Some(fin_seq);
        self.ep[from.index()].sent_fin = true;
        self.teardown_step(out, TeardownEvent::Fin { side: from, first });
        let te = self.ep[to.index()];
        // Sender side.
        match fe.state {
            State::Established | State::SynReceived => {
                if self.first_closer.is_none() {
                    self.first_closer = Some(Closer::One(from));
                }
                self.set(
                    out,
                    from,
                    State::FinWait1,
                    why(from, "sent FIN (active close)", fe.state, State::FinWait1),
                );
                if s.len > 0 {
                    out.remarks.push(Remark {
                        code: "wirelens.tcp.fin_with_data",
                        text: format!("the FIN rides on the {}'s last {} bytes of data", from.name(), s.len),
                    });
                }
            }
            State::CloseWait => {
                // It got the peer's FIN, so its ACK should cover it; if not, it sent its
                // FIN before the peer's arrived: the two FINs crossed.
                let covers = te
                    .fin_seq
                    .is_some_and(|f| s.ack && seq::ge(s.ack_no, f.wrapping_add(1)));
                if covers || te.fin_seq.is_none() {
                    self.set(
                        out,
                        from,
                        State::LastAck,
                        why(from, "sent its FIN (passive close)", State::CloseWait, State::LastAck),
                    );
                } else {
                    // Its ACK does not cover the peer's FIN: that FIN had not arrived yet, so
                    // it never was in CLOSE-WAIT. It closed actively, then the FINs crossed.
                    self.first_closer = Some(Closer::Both);
                    out.retract.push((from, State::Established, State::CloseWait));
                    self.ep[from.index()].state = State::Established;
                    self.set(
                        out,
                        from,
                        State::FinWait1,
                        format!(
                            "{} sent FIN before the {}'s FIN reached it (its ACK does not cover that FIN): ESTABLISHED -> FIN-WAIT-1",
                            from.name(),
                            to.name()
                        ),
                    );
                    self.set(
                        out,
                        from,
                        State::Closing,
                        format!(
                            "{} gets the {}'s FIN after sending its own (simultaneous close): FIN-WAIT-1 -> CLOSING",
                            from.name(),
                            to.name()
                        ),
                    );
                    out.remarks.push(Remark {
                        code: "wirelens.tcp.simultaneous_close",
                        text: "simultaneous close: both sides sent FIN before receiving the other's; both go through CLOSING and both end in TIME-WAIT".into(),
                    });
                }
            }
            _ => {}
        }
        // Receiver side: the FIN arrives.
        let te = self.ep[to.index()];
        match te.state {
            State::Established | State::SynReceived => {
                self.set(
                    out,
                    to,
                    State::CloseWait,
                    why(to, "got FIN", te.state, State::CloseWait),
                );
            }
            State::FinWait1 => {
                if te.fin_acked {
                    self.enter_time_wait(out, to, ts, why(to, "got FIN", State::FinWait1, State::TimeWait));
                } else {
                    self.first_closer = Some(Closer::Both);
                    self.set(
                        out,
                        to,
                        State::Closing,
                        why(
                            to,
                            "got FIN before the ACK of its own FIN (simultaneous close)",
                            State::FinWait1,
                            State::Closing,
                        ),
                    );
                }
            }
            State::FinWait2 => {
                self.enter_time_wait(out, to, ts, why(to, "got FIN", State::FinWait2, State::TimeWait));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Side::{Client as C, Server as S};
    use State::*;

    const MSL: i64 = 30_000_000_000;

    fn seg(flags: &str, seq: u32, ack: u32, len: u32) -> Seg {
        Seg {
            syn: flags.contains('S'),
            ack: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            seq,
            ack_no: ack,
            len,
        }
    }

    /// Feeds segments (side, seg, ts in ms) and returns the machine.
    fn run(steps: &[(Side, Seg, i64)]) -> (Machine, Vec<Outcome>) {
        let mut m = Machine::new(MSL);
        let outs = steps
            .iter()
            .map(|(side, s, ms)| m.on_segment(*side, s, ms * 1_000_000))
            .collect();
        (m, outs)
    }

    fn handshake() -> Vec<(Side, Seg, i64)> {
        vec![
            (C, seg("S", 100, 0, 0), 0),
            (S, seg("SA", 500, 101, 0), 10),
            (C, seg("A", 101, 501, 0), 20),
        ]
    }

    fn states(m: &Machine) -> (State, State) {
        (m.state(C), m.state(S))
    }

    #[test]
    fn three_way_handshake_steps_and_states() {
        // RFC 793 3.4: "the three-way handshake": SYN, SYN-ACK, ACK.
        let (m, outs) = run(&handshake());
        assert_eq!(
            outs.iter().map(|o| o.handshake_step).collect::<Vec<_>>(),
            vec![Some(1), Some(2), Some(3)]
        );
        assert_eq!(states(&m), (Established, Established));
        let t: Vec<(Side, State, State)> = outs
            .iter()
            .flat_map(|o| o.transitions.iter().map(|t| (t.side, t.from, t.to)))
            .collect();
        assert_eq!(
            t,
            vec![
                (C, Closed, SynSent),
                (S, Listen, SynReceived),
                (C, SynSent, Established),
                (S, SynReceived, Established)
            ]
        );
    }

    #[test]
    fn client_closes_first_and_ends_in_time_wait() {
        // RFC 793 3.5 case 1: the local user closes first.
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100)); // FIN-WAIT-1 / CLOSE-WAIT
        steps.push((S, seg("A", 501, 102, 0), 110)); // FIN-WAIT-2
        steps.push((S, seg("FA", 501, 102, 0), 120)); // LAST-ACK / TIME-WAIT
        steps.push((C, seg("A", 102, 502, 0), 130)); // CLOSED
        let (m, outs) = run(&steps);
        assert_eq!(states(&m), (TimeWait, Closed));
        assert_eq!(m.first_closer, Some(Closer::One(C)));
        assert_eq!(outs[3].teardown_steps, vec![1]);
        assert_eq!(outs[4].teardown_steps, vec![2]);
        assert_eq!(outs[5].teardown_steps, vec![3]);
        assert_eq!(outs[6].teardown_steps, vec![4]);
        let tw = m.ep[0].time_wait.unwrap();
        assert_eq!(tw, (120_000_000, 120_000_000 + 2 * MSL));
        assert_eq!(
            outs[3].transitions[0].why,
            "client sent FIN (active close): ESTABLISHED -> FIN-WAIT-1"
        );
    }

    #[test]
    fn fin_ack_combined_is_a_three_packet_close() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 102, 0), 110)); // ACKs the FIN and sends its own
        steps.push((C, seg("A", 102, 502, 0), 120));
        let (m, outs) = run(&steps);
        assert_eq!(outs[4].teardown_steps, vec![2, 3]);
        let t: Vec<(Side, State, State)> = outs[4].transitions.iter().map(|t| (t.side, t.from, t.to)).collect();
        assert_eq!(
            t,
            vec![
                (C, FinWait1, FinWait2),
                (S, CloseWait, LastAck),
                (C, FinWait2, TimeWait)
            ]
        );
        assert_eq!(states(&m), (TimeWait, Closed));
    }

    #[test]
    fn server_closes_first_and_it_sits_in_time_wait() {
        let mut steps = handshake();
        steps.push((S, seg("FA", 501, 101, 0), 100));
        steps.push((C, seg("FA", 101, 502, 0), 110));
        steps.push((S, seg("A", 502, 102, 0), 120));
        let (m, _) = run(&steps);
        assert_eq!(m.first_closer, Some(Closer::One(S)));
        assert_eq!(states(&m), (Closed, TimeWait));
    }

    #[test]
    fn a_fin_is_acknowledged_only_by_an_ack_covering_fin_plus_one() {
        let mut steps = handshake();
        steps.push((C, seg("PA", 101, 501, 10), 50));
        steps.push((C, seg("FA", 111, 501, 0), 100));
        steps.push((S, seg("A", 501, 111, 0), 110)); // acks the data, not the FIN
        let (m, _) = run(&steps);
        assert_eq!(
            m.state(C),
            FinWait1,
            "an ACK of the data alone does not acknowledge the FIN"
        );
        let mut m2 = m.clone();
        m2.on_segment(S, &seg("A", 501, 112, 0), 120_000_000);
        assert_eq!(m2.state(C), FinWait2);
    }

    #[test]
    fn simultaneous_close_goes_through_closing_on_both_sides() {
        // RFC 793 3.5 case 3: both users close simultaneously.
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 101, 0), 101)); // crosses: does not ack the client's FIN
        steps.push((C, seg("A", 102, 502, 0), 110));
        steps.push((S, seg("A", 502, 102, 0), 111));
        let (m, outs) = run(&steps);
        assert_eq!(m.first_closer, Some(Closer::Both));
        let t: Vec<(Side, State, State)> = outs[4].transitions.iter().map(|t| (t.side, t.from, t.to)).collect();
        assert_eq!(
            t,
            vec![
                (S, Established, FinWait1),
                (S, FinWait1, Closing),
                (C, FinWait1, Closing)
            ]
        );
        assert_eq!(
            outs[4].retract,
            vec![(S, Established, CloseWait)],
            "the server never was in CLOSE-WAIT"
        );
        assert_eq!(states(&m), (TimeWait, TimeWait));
    }

    #[test]
    fn half_close_keeps_data_flowing_in_close_wait() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("A", 501, 102, 0), 110));
        steps.push((S, seg("PA", 501, 102, 1000), 120));
        let (m, outs) = run(&steps);
        assert_eq!(states(&m), (FinWait2, CloseWait));
        assert!(outs[5].remarks.iter().any(|r| r.code == "wirelens.tcp.half_close"));
    }

    #[test]
    fn rst_to_a_syn_is_a_refused_connection() {
        let (m, outs) = run(&[(C, seg("S", 100, 0, 0), 0), (S, seg("RA", 0, 101, 0), 1)]);
        assert!(m.refused);
        assert_eq!(states(&m), (Closed, Closed));
        assert!(outs[1].remarks.iter().any(|r| r.code == "wirelens.tcp.refused"));
        assert!(m.ended());
    }

    #[test]
    fn rst_in_established_aborts_both_sides() {
        let mut steps = handshake();
        steps.push((S, seg("RA", 501, 101, 0), 50));
        let (m, outs) = run(&steps);
        assert_eq!(states(&m), (Closed, Closed));
        assert!(outs[3].transitions[0].why.contains("abort"));
        assert_eq!(m.first_closer, Some(Closer::One(S)));
    }

    #[test]
    fn rst_in_syn_received_returns_a_passive_open_to_listen() {
        let (m, _) = run(&[
            (C, seg("S", 100, 0, 0), 0),
            (S, seg("SA", 500, 101, 0), 1),
            (C, seg("R", 101, 0, 0), 2),
        ]);
        assert_eq!(m.state(S), Listen);
    }

    #[test]
    fn rst_into_time_wait_ends_it_early() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 102, 0), 110));
        steps.push((C, seg("A", 102, 502, 0), 120));
        steps.push((S, seg("R", 502, 0, 0), 130));
        let (m, outs) = run(&steps);
        assert_eq!(m.state(C), Closed);
        assert!(outs[6].transitions.iter().any(|t| t.why.contains("assassination")));
    }

    #[test]
    fn retransmitted_fin_restarts_the_time_wait_timer() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 102, 0), 110));
        steps.push((C, seg("A", 102, 502, 0), 120)); // final ACK, lost on its way
        steps.push((S, seg("FA", 501, 102, 0), 320)); // server retransmits its FIN
        steps.push((C, seg("A", 102, 502, 0), 321)); // client re-acks
        let (m, outs) = run(&steps);
        assert!(outs[6]
            .remarks
            .iter()
            .any(|r| r.code == "wirelens.tcp.fin_retransmitted"));
        assert_eq!(m.ep[0].time_wait.unwrap().0, 320_000_000);
        assert_eq!(states(&m), (TimeWait, Closed));
    }

    #[test]
    fn final_ack_lost_leaves_the_server_in_last_ack() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 102, 0), 110));
        let (m, _) = run(&steps);
        assert_eq!(states(&m), (TimeWait, LastAck));
    }

    #[test]
    fn time_wait_expires_after_two_msl_on_the_capture_clock() {
        let mut steps = handshake();
        steps.push((C, seg("FA", 101, 501, 0), 100));
        steps.push((S, seg("FA", 501, 102, 0), 110));
        steps.push((C, seg("A", 102, 502, 0), 120));
        let (mut m, _) = run(&steps);
        assert!(m.expire(110_000_000 + 2 * MSL - 1).is_empty());
        let t = m.expire(110_000_000 + 2 * MSL);
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].side, t[0].from, t[0].to), (C, TimeWait, Closed));
    }

    #[test]
    fn simultaneous_open() {
        let (m, outs) = run(&[
            (C, seg("S", 100, 0, 0), 0),
            (S, seg("S", 500, 0, 0), 1),
            (C, seg("SA", 100, 501, 0), 2),
            (S, seg("SA", 500, 101, 0), 3),
        ]);
        assert!(outs[1]
            .remarks
            .iter()
            .any(|r| r.code == "wirelens.tcp.simultaneous_open"));
        assert_eq!(states(&m), (Established, Established));
    }

    #[test]
    fn midstream_capture_is_inferred_established() {
        let (m, outs) = run(&[(C, seg("PA", 1000, 2000, 100), 0)]);
        assert!(m.midstream);
        assert_eq!(states(&m), (Established, Established));
        assert!(outs[0].remarks[0].text.contains("mid-connection"));
    }

    #[test]
    fn fin_with_data_counts_the_data_before_the_fin() {
        let mut steps = handshake();
        steps.push((C, seg("FPA", 101, 501, 50), 100));
        steps.push((S, seg("A", 501, 151, 0), 110)); // covers the data only
        let (m, outs) = run(&steps);
        assert!(outs[3].remarks.iter().any(|r| r.code == "wirelens.tcp.fin_with_data"));
        assert_eq!(m.state(C), FinWait1);
        assert_eq!(m.ep[0].fin_seq, Some(151));
    }
}
