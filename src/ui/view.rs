//! Drawing. Views read the `App` and the store; the only things they write
//! are scroll offsets and where panes were drawn (for the mouse).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use tui_tree_widget::{Tree as TreeWidget, TreeItem};
use wirelens_dissectors::error::Severity;
use wirelens_dissectors::frame::write_rel_time;
use wirelens_dissectors::tree::{NodeId, Tree};

use super::app::{flow_rows, App, Pane, Prompt, Screen};
use crate::store::{class, lock, state_of, Row, Store};
use crate::tcp::state::State;

/// Colour of a row: anomalies first, then the protocol.
pub fn row_style(st: &Store, r: &Row) -> Style {
    let s = Style::default();
    if r.class & class::ERROR != 0 {
        return s.fg(Color::White).bg(Color::Red);
    }
    if r.class & class::RST != 0 {
        return s.fg(Color::LightRed).add_modifier(Modifier::BOLD);
    }
    if r.class & class::ZERO_WINDOW != 0 {
        return s.fg(Color::LightMagenta).add_modifier(Modifier::BOLD);
    }
    if r.class & class::RETRANS != 0 {
        return s.fg(Color::Black).bg(Color::Yellow);
    }
    if r.class & class::WARN != 0 {
        return s.fg(Color::Yellow);
    }
    match st.string(r.proto) {
        "HTTP" | "SSDP" => s.fg(Color::LightGreen),
        "DNS" | "MDNS" | "LLMNR" => s.fg(Color::LightCyan),
        "WebSocket" => s.fg(Color::LightBlue),
        "ARP" => s.fg(Color::LightYellow),
        "ICMP" | "ICMPv6" => s.fg(Color::Cyan),
        "UDP" => s.fg(Color::Blue),
        "TCP" if r.class & class::SYNFIN != 0 => s.fg(Color::DarkGray).add_modifier(Modifier::BOLD),
        _ => s,
    }
}

/// The legend shown in help: (style sample, meaning).
pub fn legend() -> Vec<(Style, &'static str)> {
    let s = Style::default();
    vec![
        (s.fg(Color::White).bg(Color::Red), "malformed or error"),
        (s.fg(Color::LightRed).add_modifier(Modifier::BOLD), "TCP reset (RST)"),
        (s.fg(Color::LightMagenta).add_modifier(Modifier::BOLD), "zero window"),
        (s.fg(Color::Black).bg(Color::Yellow), "retransmission"),
        (s.fg(Color::Yellow), "dup ACK, out-of-order, lost segment, ACKed unseen"),
        (
            s.fg(Color::DarkGray).add_modifier(Modifier::BOLD),
            "SYN or FIN (handshake, teardown)",
        ),
        (s.fg(Color::LightGreen), "HTTP, SSDP"),
        (s.fg(Color::LightCyan), "DNS, mDNS, LLMNR"),
        (s.fg(Color::LightBlue), "WebSocket"),
        (s.fg(Color::LightYellow), "ARP"),
        (s.fg(Color::Cyan), "ICMP"),
        (s.fg(Color::Blue), "UDP"),
    ]
}

/// A state's name, short when space is short.
pub fn state_name(s: State, short: bool) -> &'static str {
    if !short {
        return s.name();
    }
    match s {
        State::Closed => "CLOSD",
        State::Listen => "LISTN",
        State::SynSent => "SYN-S",
        State::SynReceived => "SYN-R",
        State::Established => "ESTAB",
        State::FinWait1 => "FIN-1",
        State::FinWait2 => "FIN-2",
        State::CloseWait => "CL-WT",
        State::Closing => "CLSNG",
        State::LastAck => "L-ACK",
        State::TimeWait => "T-WAIT",
    }
}

/// A state in two letters, for the narrowest list (`ES/ES`).
pub fn state_code2(s: State) -> &'static str {
    match s {
        State::Closed => "CL",
        State::Listen => "LI",
        State::SynSent => "SS",
        State::SynReceived => "SR",
        State::Established => "ES",
        State::FinWait1 => "F1",
        State::FinWait2 => "F2",
        State::CloseWait => "CW",
        State::Closing => "CG",
        State::LastAck => "LA",
        State::TimeWait => "TW",
    }
}

/// Fits `s` in `w` columns (cut with `…`), padded when `pad`.
fn fit(s: &str, w: usize, pad: bool) -> String {
    let n = s.chars().count();
    if n > w {
        if w == 0 {
            return String::new();
        }
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    } else if pad {
        format!("{s}{}", " ".repeat(w - n))
    } else {
        s.to_string()
    }
}

fn rfit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        fit(s, w, false)
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

/// Draws the whole UI.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let [body, bar, status] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)]).areas(area);
    app.areas.body.set(body);
    match app.screen {
        Screen::Packets => packets_screen(f, app, body),
        Screen::Flows => flows_screen(f, app, body),
        Screen::Ladder => ladder_screen(f, app, body),
        Screen::Follow => follow_screen(f, app, body),
        Screen::Help => help_screen(f, app, body),
    }
    bar_line(f, app, bar);
    status_line(f, app, status);
}

fn packets_screen(f: &mut Frame, app: &App, area: Rect) {
    let [list, tree, hex] = Layout::vertical([
        Constraint::Percentage(45),
        Constraint::Percentage(33),
        Constraint::Percentage(22),
    ])
    .areas(area);
    app.areas.list.set(list);
    app.areas.tree.set(tree);
    app.areas.hex.set(hex);
    packet_list(f, app, list);
    tree_pane(f, app, tree);
    hex_pane(f, app, hex);
}

/// Scrolls `top` (the first row drawn) so that row `sel` is among the `h` drawn.
fn keep_in_view(top: &std::cell::Cell<usize>, sel: usize, h: usize) -> usize {
    let mut t = top.get();
    if sel < t {
        t = sel;
    } else if h > 0 && sel >= t + h {
        t = sel + 1 - h;
    }
    top.set(t);
    t
}

fn pane_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::default().fg(Color::LightCyan).add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(Color::DarkGray)
    };
    Block::default().borders(Borders::TOP).border_style(style).title(title)
}

/// The packet list: only the rows on screen are formatted.
fn packet_list(f: &mut Frame, app: &App, area: Rect) {
    let st = lock(&app.shared);
    let w = usize::from(area.width);
    let rows_h = usize::from(area.height.saturating_sub(1));
    let n = app.shown_len_in(&st);
    // Keep the selection on screen.
    let top = keep_in_view(&app.top, app.sel, rows_h)
        .min(n.saturating_sub(rows_h.max(1)))
        .min(app.sel);
    app.top.set(top);
    let short = w < 130;
    let sw = if short { 6 } else { 12 };
    // Column widths fit what is on screen: the Info column gets the rest.
    let visible = app.shown_range_in(&st, top, rows_h);
    let widest = |f: &dyn Fn(&Row) -> usize, min: usize, max: usize| {
        visible
            .iter()
            .filter_map(|&i| st.rows.get(i as usize))
            .map(f)
            .max()
            .unwrap_or(0)
            .clamp(min, max)
    };
    let addr_max = if w >= 140 {
        39
    } else if w >= 100 {
        22
    } else {
        15
    };
    let aw = widest(
        &|r| st.string(r.src).chars().count().max(st.string(r.dst).chars().count()),
        6,
        addr_max,
    );
    let pw = widest(&|r| st.string(r.proto).chars().count(), 5, 9);
    let tw = {
        let mut t = String::new();
        let last = visible
            .last()
            .and_then(|&i| st.rows.get(i as usize))
            .map_or(0, |r| r.ts_ns);
        write_rel_time(&mut t, last.saturating_sub(st.first_ts.unwrap_or(0)), st.decimals);
        t.len().max(4)
    };
    let nw = (visible.last().map_or(0, |&i| i + 1)).to_string().len().max(3);
    // Below 100 columns: both states in one 5-column cell (`ES/ES`), no Length.
    let compact = w < 100;
    let fixed = if compact {
        nw + 1 + tw + 1 + aw + 1 + aw + 1 + pw + 1 + 5 + 1
    } else {
        nw + 1 + tw + 1 + aw + 1 + aw + 1 + pw + 1 + 6 + 1 + sw + 1 + sw + 1
    };
    let infow = w.saturating_sub(fixed);
    let mut cols = vec![
        rfit("No.", nw),
        rfit("Time", tw),
        fit("Source", aw, true),
        fit("Destination", aw, true),
        fit(if pw >= 8 { "Protocol" } else { "Proto" }, pw, true),
    ];
    if compact {
        cols.push("C/S  ".into());
    } else {
        cols.push(rfit("Length", 6));
        cols.push(fit(if short { "Cli" } else { "Client state" }, sw, true));
        cols.push(fit(if short { "Srv" } else { "Server state" }, sw, true));
    }
    cols.push("Info".into());
    let header = cols.join(" ");
    let mut lines = vec![Line::styled(
        fit(&header, w, true),
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    )];
    let first = st.first_ts.unwrap_or(0);
    let mut t = String::new();
    for (i, &fr) in visible.iter().enumerate() {
        let Some(r) = st.rows.get(fr as usize) else { continue };
        t.clear();
        write_rel_time(&mut t, r.ts_ns.saturating_sub(first), st.decimals);
        let state = |c: u8| state_of(c).map_or("", |s| state_name(s, short));
        let mut cols = vec![
            rfit(&(fr + 1).to_string(), nw),
            rfit(&t, tw),
            fit(st.string(r.src), aw, true),
            fit(st.string(r.dst), aw, true),
            fit(st.string(r.proto), pw, true),
        ];
        if compact {
            let code = |c: u8| state_of(c).map_or("  ", state_code2);
            cols.push(if r.states == [0, 0] {
                "     ".to_string()
            } else {
                format!("{}/{}", code(r.states[0]), code(r.states[1]))
            });
        } else {
            cols.push(rfit(&r.origlen.to_string(), 6));
            cols.push(fit(state(r.states[0]), sw, true));
            cols.push(fit(state(r.states[1]), sw, true));
        }
        cols.push(fit(st.info(r), infow, false));
        let text = cols.join(" ");
        let mut style = row_style(&st, r);
        if app.show_all && app.is_match(fr) == Some(true) {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        if top + i == app.sel {
            style = if app.pane == Pane::List {
                Style::default().fg(Color::Black).bg(Color::LightCyan)
            } else {
                style.add_modifier(Modifier::REVERSED)
            };
        }
        lines.push(Line::styled(fit(&text, w, true), style));
    }
    if n == 0 {
        let filtering = app.job.as_ref().map(|j| lock(&j.run).done);
        let msg = if filtering == Some(false) {
            "applying the filter…"
        } else if filtering.is_some() {
            "no frame passes the filter (/ to change it, Esc in the bar then Enter on an empty filter to clear it)"
        } else if st.progress.done {
            "the capture holds no frames"
        } else {
            "reading…"
        };
        lines.push(Line::styled(msg.to_string(), Style::default().fg(Color::DarkGray)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn tree_items(t: &Tree, data: &[u8], id: NodeId) -> Option<TreeItem<'static, NodeId>> {
    let n = t.node(id)?;
    if n.hidden {
        return None;
    }
    let text = t.line(n, data);
    let style = match n.expert.as_ref().map(|e| e.severity) {
        Some(Severity::Error) => Style::default().fg(Color::LightRed),
        Some(Severity::Warning) => Style::default().fg(Color::Yellow),
        Some(Severity::Note) => Style::default().fg(Color::LightCyan),
        Some(Severity::Chat) => Style::default().fg(Color::LightBlue),
        _ if n.name.starts_with("wirelens") => Style::default().fg(Color::LightGreen),
        _ => Style::default(),
    };
    let kids: Vec<_> = t.children(id).filter_map(|(k, _)| tree_items(t, data, k)).collect();
    let line = Line::styled(text, style);
    if kids.is_empty() {
        Some(TreeItem::new_leaf(id, line))
    } else {
        TreeItem::new(id, line, kids).ok()
    }
}

fn tree_pane(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.pane == Pane::Tree;
    if let Some((fr, done, total)) = app.building() {
        let p = Paragraph::new(format!(
            "rebuilding frame {}: replaying its flow, {done} of {total} frames…",
            fr + 1
        ))
        .style(Style::default().fg(Color::Yellow))
        .block(pane_block(format!(" Frame {} details ", fr + 1), focused));
        f.render_widget(p, area);
        return;
    }
    let Some(d) = &app.detail else {
        f.render_widget(pane_block(" Packet details ".into(), focused), area);
        return;
    };
    let title = format!(" Frame {} details (Enter/→ open, ← close, +/- all) ", d.frame + 1);
    if let Some(e) = &d.error {
        let p = Paragraph::new(format!("cannot rebuild this frame: {e}"))
            .style(Style::default().fg(Color::LightRed))
            .block(pane_block(title, focused));
        f.render_widget(p, area);
        return;
    }
    let items: Vec<_> = d
        .tree
        .roots()
        .filter_map(|(id, _)| tree_items(&d.tree, &d.data, id))
        .collect();
    let hl = if focused {
        Style::default().fg(Color::Black).bg(Color::LightCyan)
    } else {
        Style::default().add_modifier(Modifier::REVERSED)
    };
    match TreeWidget::new(&items) {
        Ok(w) => {
            let w = w
                .block(pane_block(title, focused))
                .highlight_style(hl)
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ");
            f.render_stateful_widget(w, area, &mut app.tree_state.borrow_mut());
        }
        Err(e) => f.render_widget(Paragraph::new(e.to_string()).block(pane_block(title, focused)), area),
    }
}

fn hex_pane(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.pane == Pane::Hex;
    let Some(d) = &app.detail else {
        f.render_widget(pane_block(" Bytes ".into(), focused), area);
        return;
    };
    let node = app.selected_node().and_then(|id| d.tree.node(id));
    let src = node.map_or(0, |n| n.src);
    let bytes = d.tree.source_data(src, &d.data);
    let span = node.map(|n| n.span()).filter(|s| !s.is_empty());
    let title = if src == 0 {
        format!(" Frame {} bytes ({}) ", d.frame + 1, bytes.len())
    } else {
        let s = d.tree.sources.get(usize::from(src) - 1);
        let frames: Vec<String> = s
            .map(|s| s.frames.iter().take(8).map(|(_, _, n)| format!("#{n}")).collect())
            .unwrap_or_default();
        let more = s.map_or(0, |s| s.frames.len()).saturating_sub(8);
        let name = s.map_or("reassembled", |s| s.name.as_str());
        format!(
            " {name}{} from frames {}{} ",
            if name.contains("bytes") {
                String::new()
            } else {
                format!(" ({} bytes)", bytes.len())
            },
            frames.join(" "),
            if more > 0 { format!(" +{more}") } else { String::new() }
        )
    };
    let h = usize::from(area.height.saturating_sub(1));
    let per = if area.width >= 78 { 16 } else { 8 };
    let total_lines = bytes.len().div_ceil(per);
    // Scroll so the highlighted bytes are visible, then by the user's offset.
    let auto = span.as_ref().map_or(0, |s| (s.start / per).saturating_sub(h / 3));
    let start = (auto + app.hex_scroll).min(total_lines.saturating_sub(1));
    let hi = Style::default().fg(Color::Black).bg(Color::LightCyan);
    let mut lines = Vec::new();
    // Which frame carried the first byte of each shown line of a reassembled source.
    let carried = |off: usize| -> Option<u64> {
        let s = d.tree.sources.get(usize::from(src).checked_sub(1)?)?;
        s.frames
            .iter()
            .find(|(o, l, _)| (*o as usize) <= off && off < (*o as usize + *l as usize))
            .map(|(_, _, n)| *n)
    };
    for li in start..(start + h).min(total_lines) {
        let off = li * per;
        let chunk = bytes.get(off..(off + per).min(bytes.len())).unwrap_or(&[]);
        let mut spans = vec![Span::styled(
            format!("{off:04x}  "),
            Style::default().fg(Color::DarkGray),
        )];
        for (j, b) in chunk.iter().enumerate() {
            let inside = span.as_ref().is_some_and(|s| s.contains(&(off + j)));
            let st = if inside { hi } else { Style::default() };
            spans.push(Span::styled(format!("{b:02x}"), st));
            spans.push(Span::raw(if j == 7 { "  " } else { " " }));
        }
        for j in chunk.len()..per {
            spans.push(Span::raw(if j == 7 { "    " } else { "   " }));
        }
        spans.push(Span::raw(" "));
        for (j, b) in chunk.iter().enumerate() {
            let inside = span.as_ref().is_some_and(|s| s.contains(&(off + j)));
            let c = if (0x20..0x7f).contains(b) { char::from(*b) } else { '.' };
            spans.push(Span::styled(c.to_string(), if inside { hi } else { Style::default() }));
        }
        if src != 0 {
            if let Some(n) = carried(off) {
                spans.push(Span::styled(format!("  #{n}"), Style::default().fg(Color::DarkGray)));
            }
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines).block(pane_block(title, focused)), area);
}

fn flows_screen(f: &mut Frame, app: &App, area: Rect) {
    app.areas.flows.set(area);
    let st = lock(&app.shared);
    let flows = flow_rows(app, &st);
    let w = usize::from(area.width);
    let h = usize::from(area.height.saturating_sub(1));
    let top = keep_in_view(&app.flow_top, app.flow_sel, h);
    let aw = if w >= 140 { 24 } else { 21 };
    let header = format!(
        "{} {} {} {} {} {} {} {} {} {} {} {}",
        fit("Flow", 9, true),
        fit("Client", aw, true),
        fit("Server", aw, true),
        fit("App", 9, true),
        rfit("Pkts", 6),
        rfit("Bytes", 9),
        rfit("Dur s", 8),
        fit("State", 6, true),
        fit("Client end", 11, true),
        fit("Server end", 11, true),
        fit("TIME-WAIT", 9, true),
        "Anom"
    );
    let mut lines = vec![Line::styled(
        fit(&header, w, true),
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    )];
    for (i, s) in flows.iter().enumerate().skip(top).take(h) {
        let anomalies = s.anomalies;
        let text = format!(
            "{} {} {} {} {} {} {} {} {} {} {} {}",
            fit(&format!("{}:{}", s.proto, s.id), 9, true),
            fit(&s.client, aw, true),
            fit(&s.server, aw, true),
            fit(s.app.as_deref().unwrap_or("-"), 9, true),
            rfit(&s.packets.to_string(), 6),
            rfit(&s.bytes.to_string(), 9),
            rfit(&format!("{:.3}", s.duration), 8),
            fit(s.conn_state, 6, true),
            fit(s.client_state.unwrap_or("-"), 11, true),
            fit(s.server_state.unwrap_or("-"), 11, true),
            fit(s.time_wait.map_or("-", |t| t.0), 9, true),
            if s.open {
                format!("{anomalies} (open)")
            } else {
                anomalies.to_string()
            },
        );
        let mut style = if anomalies > 0 {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default()
        };
        if s.conn_state == "REJ" || s.conn_state.starts_with("RST") {
            style = Style::default().fg(Color::LightRed);
        }
        if i == app.flow_sel {
            style = Style::default().fg(Color::Black).bg(Color::LightCyan);
        }
        lines.push(Line::styled(fit(&text, w, true), style));
    }
    if flows.is_empty() {
        let msg = if app.job.is_some() {
            "no flow holds a frame passing the filter"
        } else if st.progress.done {
            "no TCP or UDP flows in this capture"
        } else {
            "flows appear here as they end; the rest when reading is done"
        };
        lines.push(Line::styled(msg, Style::default().fg(Color::DarkGray)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn ladder_screen(f: &mut Frame, app: &App, area: Rect) {
    let Some(l) = &app.ladder else { return };
    let w = usize::from(area.width);
    let short = w < 100;
    let sw = if short { 6 } else { 12 };
    let meta = 6 + 1 + 10 + 1;
    let mid = w.saturating_sub(meta + sw + 1 + 1 + sw).max(10);
    let mut lines = vec![
        Line::styled(
            fit(
                &format!(
                    "{}: client {} ⇄ server {}   conn_state {}  history {}",
                    l.title, l.client, l.server, l.conn_state, l.history
                ),
                w,
                true,
            ),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Line::styled(
            fit(
                &format!(
                    "{} {} {} {} {}",
                    rfit("No.", 6),
                    rfit("Time", 10),
                    rfit(if short { "Client" } else { "Client state" }, sw),
                    fit(&format!(" {}  →  {}", l.client, l.server), mid, true),
                    fit(if short { "Server" } else { "Server state" }, sw, true)
                ),
                w,
                true,
            ),
            Style::default().add_modifier(Modifier::REVERSED),
        ),
    ];
    let h = usize::from(area.height).saturating_sub(lines.len() + 3);
    let top = keep_in_view(&l.top, l.sel, h);
    let mut prev: Option<(State, State)> = top.checked_sub(1).and_then(|i| l.rows.get(i)).and_then(|r| r.states);
    if top > 0 {
        // States written only where they change: find what was in force above.
        prev = l.rows.iter().take(top).rev().find_map(|r| r.states);
    }
    for (i, r) in l.rows.iter().enumerate().skip(top).take(h) {
        let (cs, ss) = match (r.states, prev) {
            (Some((c, s)), Some((pc, ps))) => (
                if c != pc { state_name(c, short) } else { "" },
                if s != ps { state_name(s, short) } else { "" },
            ),
            (Some((c, s)), None) => (state_name(c, short), state_name(s, short)),
            _ => ("", ""),
        };
        if r.states.is_some() {
            prev = r.states;
        }
        let mut t = String::new();
        write_rel_time(&mut t, r.rel_ns, 6);
        let label = match &r.app {
            Some(a) => format!("{a} · {}", r.label),
            None => r.label.clone(),
        };
        // The arrow fills `mid - 2` columns: 6 of frame, the label, dashes.
        let avail = mid.saturating_sub(2);
        let lab = fit(&label, avail.saturating_sub(7), false);
        let dashes = avail.saturating_sub(lab.chars().count() + 6);
        let arrow = if r.from_client {
            format!("├─ {lab} {}▶┤", "─".repeat(dashes))
        } else {
            format!("├◀{} {lab} ─┤", "─".repeat(dashes))
        };
        let mut style = if r.app.is_some() {
            Style::default().fg(Color::LightGreen)
        } else {
            Style::default()
        };
        if r.class & (class::RST | class::ERROR) != 0 {
            style = Style::default().fg(Color::LightRed);
        } else if r.class & (class::RETRANS | class::WARN | class::ZERO_WINDOW) != 0 {
            style = Style::default().fg(Color::Yellow);
        }
        let sel = i == l.sel;
        let base = if sel {
            Style::default().fg(Color::Black).bg(Color::LightCyan)
        } else {
            Style::default()
        };
        let state_style = if sel {
            base
        } else {
            Style::default().fg(Color::LightMagenta)
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", rfit(&(r.frame + 1).to_string(), 6), rfit(&t, 10)),
                base,
            ),
            Span::styled(rfit(cs, sw), state_style),
            Span::styled(
                format!(" {} ", fit(&arrow, mid.saturating_sub(2), true)),
                if sel { base } else { style },
            ),
            Span::styled(fit(ss, sw, true), state_style),
        ]));
    }
    if let Some((side, since, until)) = &l.time_wait {
        let style = Style::default().fg(Color::LightMagenta).add_modifier(Modifier::BOLD);
        let pad = " ".repeat(if w < 100 { 1 } else { meta });
        for txt in [
            format!(
                "TIME-WAIT on the {side} side: {since:.6} s → {until:.6} s (2MSL = {:.0} s)",
                until - since
            ),
            "old duplicates die out meanwhile, and a lost last ACK can be sent again".to_string(),
        ] {
            lines.push(Line::styled(fit(&format!("{pad}┃ {txt}"), w, true), style));
        }
    }
    lines.push(Line::styled(
        fit(
            "↑↓ select an arrow (selects its packet)  Enter: open the packet  f: follow  Esc: back",
            w,
            true,
        ),
        Style::default().fg(Color::DarkGray),
    ));
    f.render_widget(Paragraph::new(lines), area);
}

fn follow_screen(f: &mut Frame, app: &App, area: Rect) {
    let Some(fv) = &app.follow else { return };
    let w = usize::from(area.width);
    let mut lines = vec![Line::styled(
        fit(
            &format!(
                "Follow {} ({}): client in red, server in blue   m: {}  Esc: back",
                fv.title,
                if fv.messages { "messages" } else { "stream" },
                if fv.messages {
                    "raw stream"
                } else {
                    "message by message"
                }
            ),
            w,
            true,
        ),
        Style::default().add_modifier(Modifier::REVERSED),
    )];
    let h = usize::from(area.height.saturating_sub(1));
    // Long lines wrap (a lesson, a long header): nothing is cut off.
    'fill: for (side, text) in fv.lines.iter().skip(fv.top) {
        let style = match side {
            Some(true) => Style::default().fg(Color::LightRed),
            Some(false) => Style::default().fg(Color::LightBlue),
            None => Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        };
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(w.max(1)) {
            if lines.len() > h {
                break 'fill;
            }
            lines.push(Line::styled(piece.iter().collect::<String>(), style));
        }
        if chars.is_empty() {
            if lines.len() > h {
                break;
            }
            lines.push(Line::raw(""));
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// Every key, for `?`.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move in the list, tree, hex, flows, ladder, follow"),
    ("PgUp PgDn Space", "a page"),
    ("g G  Home End", "first, last (G follows new packets when live)"),
    ("Tab  Shift-Tab", "next, previous pane: list, tree, hex"),
    ("Enter", "list → tree; tree: open/close; flows → ladder"),
    ("→ ←  h", "tree: open, close a node"),
    ("+  -", "tree: open all, close all"),
    ("/", "display filter: Enter applies, empty clears, Esc"),
    ("n  N", "next, previous frame passing the filter"),
    ("a", "filter: all frames (matches underlined) or matches"),
    ("l", "ladder diagram of the packet's connection"),
    ("f", "follow the stream of the packet's flow"),
    ("m", "follow: message by message or raw stream"),
    ("F", "flow list (Enter: ladder, f: follow)"),
    ("e", "export flows (.jsonl .csv .md .log by name)"),
    ("Esc", "back"),
    ("?", "this help (↑↓ scroll, other keys: back)"),
    ("q  Ctrl-C", "quit"),
    ("mouse", "click selects, wheel scrolls the pane under it"),
];

fn help_screen(f: &mut Frame, app: &App, area: Rect) {
    let mut lines = vec![Line::styled("Keys", Style::default().add_modifier(Modifier::BOLD))];
    for (k, v) in KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<16} "), Style::default().fg(Color::LightCyan)),
            Span::raw(*v),
        ]));
    }
    lines.push(Line::styled(
        "Colours of the packet list",
        Style::default().add_modifier(Modifier::BOLD),
    ));
    for (s, what) in legend() {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(" sample ", s),
            Span::raw(format!(" {what}")),
        ]));
    }
    lines.push(Line::styled(
        "TCP state columns",
        Style::default().add_modifier(Modifier::BOLD),
    ));
    lines.push(Line::raw(
        "  each side's state after the packet (RFC 793), short names below 130 columns:",
    ));
    lines.push(Line::raw(
        "  CLOSD LISTN SYN-S(ENT) SYN-R(ECEIVED) ESTAB FIN-1 FIN-2 CL-WT(CLOSE-WAIT)",
    ));
    lines.push(Line::raw(
        "  CLSNG(CLOSING) L-ACK(LAST-ACK) T-WAIT(TIME-WAIT); below 100 columns one",
    ));
    lines.push(Line::raw(
        "  C/S column, client/server: CL LI SS SR ES F1 F2 CW CG LA TW (e.g. TW/CL)",
    ));
    let h = usize::from(area.height.saturating_sub(1));
    let top = app.help_scroll.min(lines.len().saturating_sub(h));
    let lines: Vec<Line> = lines.into_iter().skip(top).collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::TOP)
                .title(" Help (↑↓ scroll, any other key: back) "),
        ),
        area,
    );
}

/// The filter bar (or the export prompt, or a message).
fn bar_line(f: &mut Frame, app: &App, area: Rect) {
    let w = usize::from(area.width);
    let line = match &app.prompt {
        Some(Prompt::Filter) => {
            let ok = app.input_error.is_none();
            let style = if ok {
                Style::default().fg(Color::Black).bg(Color::LightGreen)
            } else {
                Style::default().fg(Color::White).bg(Color::Red)
            };
            let mut spans = vec![Span::styled(fit(&format!("Filter: {}█", app.input), w, true), style)];
            if let Some(e) = &app.input_error {
                // The caret goes under the spot in the message line (the status line).
                spans = vec![Span::styled(
                    fit(&format!("Filter: {}█  ← {}", app.input, e.msg), w, true),
                    style,
                )];
            }
            Line::from(spans)
        }
        Some(Prompt::Export) => Line::styled(
            fit(
                &format!("Export flows to: {}█  (Enter writes, Esc cancels)", app.input),
                w,
                true,
            ),
            Style::default().fg(Color::Black).bg(Color::LightYellow),
        ),
        None if app.building_view().is_some() => {
            let (what, done, total) = app.building_view().unwrap_or_default();
            Line::styled(
                fit(
                    &format!("building {what}: {done} of {total} frames replayed… (Esc cancels)"),
                    w,
                    true,
                ),
                Style::default().fg(Color::Black).bg(Color::Yellow),
            )
        }
        None => match &app.message {
            Some((m, err)) => Line::styled(
                fit(m, w, true),
                if *err {
                    Style::default().fg(Color::White).bg(Color::Red)
                } else {
                    Style::default().fg(Color::Black).bg(Color::LightGreen)
                },
            ),
            None => {
                let t = match &app.job {
                    Some(j) => format!("Filter: {}   (/ edit, n/N next/prev, a all/matches)", j.text),
                    None => "/ filter  l ladder  f follow  F flows  e export  ? help  q quit".to_string(),
                };
                Line::styled(fit(&t, w, true), Style::default().fg(Color::DarkGray))
            }
        },
    };
    f.render_widget(Paragraph::new(line), area);
    // A filter error: the caret under the spot, drawn over the status line.
    if let (Some(Prompt::Filter), Some(e)) = (&app.prompt, &app.input_error) {
        let col = "Filter: ".len()
            + app
                .input
                .get(..e.pos.min(app.input.len()))
                .map_or(0, |s| s.chars().count());
        if col < w {
            let caret = Rect::new(area.x, area.y.saturating_add(1), area.width, 1);
            let text = format!("{}^ {}", " ".repeat(col), e.msg);
            f.render_widget(
                Paragraph::new(Line::styled(fit(&text, w, true), Style::default().fg(Color::LightRed))),
                caret,
            );
        }
    }
}

fn status_line(f: &mut Frame, app: &App, area: Rect) {
    if app.prompt == Some(Prompt::Filter) && app.input_error.is_some() {
        return;
    }
    let st = lock(&app.shared);
    let w = usize::from(area.width);
    let total = st.rows.len();
    let shown = app.shown_len_in(&st);
    let mut parts = vec![app.title.clone()];
    parts.push(if app.job.is_some() && !app.show_all {
        format!("{shown}/{total} shown")
    } else {
        format!("{total} packets")
    });
    if let Some(j) = &app.job {
        let r = lock(&j.run);
        if !r.done {
            parts.push(format!("filtering… {} scanned", r.scanned));
        }
        if let Some(e) = &r.error {
            parts.push(format!("filter stopped: {e}"));
        }
    }
    if let Some(fr) = app.shown_frame_in(&st, app.sel) {
        if let Some(g) = st.rows.get(fr as usize).and_then(|r| st.groups.get(r.group as usize)) {
            match g.kind {
                crate::store::GroupKind::Tcp(n) => parts.push(format!("flow tcp:{n}")),
                crate::store::GroupKind::Udp(n) => parts.push(format!("flow udp:{n}")),
                _ => {}
            }
        }
    }
    let p = &st.progress;
    if let Some(lc) = &st.live {
        parts.push(format!(
            "{} {:.0} pkt/s {:.1} MB/s  drops: kernel {} iface {} queue {}",
            if lc.running { "● live" } else { "■ stopped" },
            lc.pps,
            lc.bps / 1e6,
            lc.kernel_drops,
            lc.iface_drops,
            lc.queue_drops
        ));
    } else if !p.done {
        let secs = p.started.map_or(0.0, |s| s.elapsed().as_secs_f64()).max(1e-3);
        let pct = p
            .file_len
            .filter(|&l| l > 0)
            .map_or(0.0, |l| p.bytes_read as f64 * 100.0 / l as f64);
        let filled = ((pct / 10.0) as usize).min(10);
        parts.push(format!(
            "indexing [{}{}] {pct:.0}% {} pkts {:.0} MB/s",
            "█".repeat(filled),
            "░".repeat(10 - filled),
            total,
            p.bytes_read as f64 / 1e6 / secs
        ));
    } else if let (Some(s), Some(e)) = (p.started, p.finished) {
        parts.push(format!("indexed in {:.2} s", (e - s).as_secs_f64()));
    }
    let err = p
        .error
        .clone()
        .or_else(|| p.warnings.first().map(|w| format!("warning: {w}")));
    drop(st);
    let mut spans = vec![Span::styled(
        parts.join(" │ "),
        Style::default().fg(Color::Black).bg(Color::Gray),
    )];
    if let Some(e) = err {
        spans.push(Span::styled(
            format!(" │ {e}"),
            Style::default().fg(Color::White).bg(Color::Red),
        ));
    }
    // The progress bar: the rest of the line fills as the file is read.
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if used < w {
        spans.push(Span::styled(" ".repeat(w - used), Style::default().bg(Color::Gray)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
