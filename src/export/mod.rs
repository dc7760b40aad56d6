//! Flow summaries and their formats: JSON Lines, CSV, Markdown and a Zeek
//! conn.log-style TSV. Key names are part of the interface.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// A value per side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub client: u64,
    pub server: u64,
}

/// A state change on a flow's timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateJson {
    pub frame: u64,
    pub ts: f64,
    pub side: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub why: String,
}

/// Which side sat in TIME-WAIT and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeWaitJson {
    pub side: &'static str,
    pub since: f64,
    pub until: f64,
}

/// One annotated flow.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowSummary {
    pub id: u64,
    pub proto: &'static str,
    pub client: String,
    pub server: String,
    pub client_inferred: bool,
    pub first_ts: f64,
    pub last_ts: f64,
    pub duration: f64,
    pub packets: Pair,
    pub bytes: Pair,
    pub payload_bytes: Pair,
    pub handshake_rtt_ms: Option<f64>,
    pub conn_state: &'static str,
    pub history: String,
    pub client_state: Option<&'static str>,
    pub server_state: Option<&'static str>,
    pub states: Vec<StateJson>,
    pub first_closer: Option<&'static str>,
    pub time_wait: Option<TimeWaitJson>,
    pub anomalies: BTreeMap<String, u64>,
    pub missing_bytes: u64,
    pub app: Option<String>,
    pub vlan: Option<u16>,
    /// Port reuse: seconds after the previous connection on this 4-tuple.
    pub reused_after_s: Option<f64>,
    /// Why the summary was written: `ended`, `capture_end`, `port_reuse`, `evicted`.
    pub end: &'static str,
    /// HTTP transactions (bounded; see `http_conn.unlisted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<Vec<crate::app::http::HttpTx>>,
    /// HTTP facts of the whole connection (keep-alive, pipelining, push technique).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_conn: Option<crate::app::http::HttpConnFacts>,
    /// DNS queries of the flow (with `app` = `dns`, `mdns` or `llmnr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<Vec<crate::app::dns::DnsQuery>>,
    /// A WebSocket connection: messages, frames, close, pings, violations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<crate::app::websocket::WsSummary>,
}

/// Output formats of `flows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Md,
    Zeek,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "jsonl" | "json" => Format::Jsonl,
            "csv" => Format::Csv,
            "md" | "markdown" => Format::Md,
            "zeek" | "tsv" => Format::Zeek,
            _ => return None,
        })
    }
}

/// One JSON object per line.
pub fn jsonl(out: &mut String, s: &FlowSummary) {
    if let Ok(j) = serde_json::to_string(s) {
        out.push_str(&j);
    }
    out.push('\n');
}

pub const CSV_HEADER: &str = "id,proto,client,server,client_inferred,first_ts,last_ts,duration,packets_client,packets_server,bytes_client,bytes_server,payload_client,payload_server,handshake_rtt_ms,conn_state,history,client_state,server_state,first_closer,time_wait_side,time_wait_since,time_wait_until,anomalies,missing_bytes,app,vlan,end\n";

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The scalar columns; anomalies as `code=count;code=count`.
pub fn csv(out: &mut String, s: &FlowSummary) {
    let anomalies: Vec<String> = s.anomalies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let cols = [
        s.id.to_string(),
        s.proto.to_string(),
        s.client.clone(),
        s.server.clone(),
        s.client_inferred.to_string(),
        format!("{:.6}", s.first_ts),
        format!("{:.6}", s.last_ts),
        format!("{:.6}", s.duration),
        s.packets.client.to_string(),
        s.packets.server.to_string(),
        s.bytes.client.to_string(),
        s.bytes.server.to_string(),
        s.payload_bytes.client.to_string(),
        s.payload_bytes.server.to_string(),
        opt(s.handshake_rtt_ms),
        s.conn_state.to_string(),
        s.history.clone(),
        opt(s.client_state),
        opt(s.server_state),
        opt(s.first_closer),
        opt(s.time_wait.as_ref().map(|t| t.side)),
        opt(s.time_wait.as_ref().map(|t| format!("{:.6}", t.since))),
        opt(s.time_wait.as_ref().map(|t| format!("{:.6}", t.until))),
        anomalies.join(";"),
        s.missing_bytes.to_string(),
        opt(s.app.clone()),
        opt(s.vlan),
        s.end.to_string(),
    ];
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, c);
    }
    out.push('\n');
}

/// Zeek conn.log header (`zeek-cut` reads the `#fields` line). `open` is the capture's first timestamp.
pub fn zeek_header(out: &mut String, open: f64) {
    out.push_str("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n");
    let _ = writeln!(out, "#open\t{}", zeek_time(open));
    out.push_str("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n");
    out.push_str("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n");
}

pub fn zeek_footer(out: &mut String, close: f64) {
    let _ = writeln!(out, "#close\t{}", zeek_time(close));
}

/// Zeek's #open/#close time format, computed from the capture clock (UTC).
fn zeek_time(t: f64) -> String {
    let secs = t.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn split_endpoint(e: &str) -> (&str, &str) {
    match e.rsplit_once(':') {
        Some((h, p)) => (h.trim_start_matches('[').trim_end_matches(']'), p),
        None => (e, "-"),
    }
}

/// One conn.log line (uid is `C` + protocol letter + stream id: stable, not random).
pub fn zeek(out: &mut String, s: &FlowSummary) {
    let (oh, op) = split_endpoint(&s.client);
    let (rh, rp) = split_endpoint(&s.server);
    let uid = format!("C{}{}", if s.proto == "tcp" { 'T' } else { 'U' }, s.id);
    let service = s.app.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "{:.6}\t{uid}\t{oh}\t{op}\t{rh}\t{rp}\t{}\t{service}\t{:.6}\t{}\t{}\t{}\t-\t-\t{}\t{}\t{}\t{}\t{}\t{}\t(empty)",
        s.first_ts,
        s.proto,
        s.duration,
        s.payload_bytes.client,
        s.payload_bytes.server,
        s.conn_state,
        s.missing_bytes,
        if s.history.is_empty() { "-" } else { &s.history },
        s.packets.client,
        s.bytes.client,
        s.packets.server,
        s.bytes.server,
    );
}

/// A readable report: a table of flows, then each TCP flow's handshake and teardown as a short ladder.
pub fn markdown(out: &mut String, title: &str, flows: &[FlowSummary], notes: &[String]) {
    let _ = writeln!(out, "# wirelens flow report: {title}\n");
    let tcp = flows.iter().filter(|f| f.proto == "tcp").count();
    let _ = writeln!(out, "{} flows ({} TCP, {} UDP).\n", flows.len(), tcp, flows.len() - tcp);
    for n in notes {
        let _ = writeln!(out, "- {n}");
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    out.push_str("| id | proto | client | server | app | packets c/s | bytes c/s | duration s | conn_state | client state | server state | TIME-WAIT | anomalies |\n");
    out.push_str("| ---: | --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- | ---: |\n");
    for f in flows {
        let anomalies: u64 = f.anomalies.values().sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}/{} | {}/{} | {:.3} | {} | {} | {} | {} | {} |",
            f.id,
            f.proto,
            f.client,
            f.server,
            f.app.as_deref().unwrap_or(""),
            f.packets.client,
            f.packets.server,
            f.bytes.client,
            f.bytes.server,
            f.duration,
            f.conn_state,
            f.client_state.unwrap_or(""),
            f.server_state.unwrap_or(""),
            f.time_wait.as_ref().map(|t| t.side).unwrap_or(""),
            anomalies
        );
    }
    for f in flows.iter().filter(|f| f.proto == "tcp") {
        let _ = writeln!(out, "\n## TCP {}: {} → {}\n", f.id, f.client, f.server);
        let rtt = f
            .handshake_rtt_ms
            .map(|r| format!(", handshake RTT {r:.3} ms"))
            .unwrap_or_default();
        let closer = f
            .first_closer
            .map(|c| format!(", first to close: {c}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "conn_state {} (history `{}`){rtt}{closer}.\n",
            f.conn_state, f.history
        );
        if f.states.is_empty() {
            out.push_str("No state changes were seen.\n");
            continue;
        }
        out.push_str("```\n");
        let _ = writeln!(out, "{:>8} {:>12}  {:<44} server", "frame", "time", "client");
        for e in &f.states {
            let arrow = format!("{} -> {}", e.from, e.to);
            let (c, s) = if e.side == "client" {
                (arrow, String::new())
            } else {
                (String::new(), arrow)
            };
            let _ = writeln!(out, "{:>8} {:>12.6}  {:<44} {}", e.frame, e.ts - f.first_ts, c, s);
        }
        out.push_str("```\n");
        if let Some(tw) = &f.time_wait {
            let _ = writeln!(
                out,
                "\nThe {} entered TIME-WAIT at {:.6} s and stays there until {:.6} s (2MSL).",
                tw.side,
                tw.since - f.first_ts,
                tw.until - f.first_ts
            );
        }
        for e in &f.states {
            let _ = writeln!(out, "- frame {}: {}", e.frame, e.why);
        }
    }
    for f in flows
        .iter()
        .filter(|f| f.http.is_some() || f.dns.is_some() || f.websocket.is_some())
    {
        app_markdown(out, f);
    }
}

/// A few answers, each cut to a readable length.
fn short_list(v: &[String]) -> String {
    let mut parts: Vec<String> = v
        .iter()
        .take(4)
        .map(|a| {
            let a = a.replace('|', "/");
            match a.char_indices().nth(60) {
                Some((i, _)) => format!("{}...", &a[..i]),
                None => a,
            }
        })
        .collect();
    if v.len() > 4 {
        parts.push(format!("(+{} more)", v.len() - 4));
    }
    parts.join(", ")
}

fn opt_ms(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// The application layer of one flow: its transactions as tables.
fn app_markdown(out: &mut String, f: &FlowSummary) {
    let _ = writeln!(
        out,
        "\n## {} in {} {}: {} → {}\n",
        f.app.as_deref().unwrap_or("application"),
        f.proto.to_uppercase(),
        f.id,
        f.client,
        f.server
    );
    if let Some(c) = &f.http_conn {
        let _ = writeln!(
            out,
            "{} requests, {} responses, {} pipelined, {} unanswered; keep-alive: {}{}{}.\n",
            c.requests,
            c.responses,
            c.pipelined,
            c.unanswered,
            if c.keep_alive { "yes" } else { "no" },
            c.push.map(|p| format!("; push technique: {p}")).unwrap_or_default(),
            c.closed_first_by
                .map(|p| format!("; the {p} closed first"))
                .unwrap_or_default()
        );
    }
    if let Some(txs) = &f.http {
        out.push_str("| request frame | method | uri | status | request body | response body | chunked | pipelined | waited ms | TTFB ms |\n");
        out.push_str("| ---: | --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: |\n");
        for t in txs {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
                t.request_frame.map(|n| n.to_string()).unwrap_or_default(),
                t.method,
                t.uri.replace('|', "%7C").replace('`', "%60"),
                t.status.map(|n| n.to_string()).unwrap_or_default(),
                t.request_body,
                t.response_body,
                if t.chunked { "yes" } else { "" },
                if t.pipelined { "yes" } else { "" },
                opt_ms(t.waited_ms),
                opt_ms(t.ttfb_ms)
            );
        }
    }
    if let Some(qs) = &f.dns {
        out.push_str("| query frame | name | type | rcode | answers | response ms | notes |\n");
        out.push_str("| ---: | --- | --- | --- | --- | ---: | --- |\n");
        for q in qs {
            let mut notes = Vec::new();
            if q.truncated {
                notes.push("truncated".to_string());
            }
            if q.authoritative {
                notes.push("authoritative".to_string());
            }
            if q.retransmissions > 0 {
                notes.push(format!("{} retransmissions", q.retransmissions));
            }
            if q.unanswered {
                notes.push("unanswered".to_string());
            }
            if q.retried_over_tcp.is_some() {
                notes.push("retried over TCP".to_string());
            }
            if q.retry_of.is_some() {
                notes.push("retry over TCP of a truncated answer".to_string());
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                q.query_frame.map(|n| n.to_string()).unwrap_or_default(),
                q.name,
                q.qtype,
                q.rcode.as_deref().unwrap_or(""),
                short_list(&q.answers),
                opt_ms(q.response_ms),
                notes.join(", ")
            );
        }
    }
    if let Some(w) = &f.websocket {
        let _ = writeln!(
            out,
            "\nWebSocket: accept {}, subprotocol {}, permessage-deflate {}; close {} by the {}{}; {} violations.",
            match w.accept_ok {
                Some(true) => "verified",
                Some(false) => "WRONG",
                None => "not seen",
            },
            w.subprotocol.as_deref().unwrap_or("none"),
            if w.permessage_deflate { "on" } else { "off" },
            w.close_code.map(|c| c.to_string()).unwrap_or_else(|| "none".into()),
            w.close_first.unwrap_or("nobody"),
            w.ping_rtt_ms
                .as_ref()
                .map(|r| format!("; ping RTT {:.3} ms avg", r.avg))
                .unwrap_or_default(),
            w.violations
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(zeek_time(1_767_225_600.5), "2026-01-01-00-00-00");
    }

    #[test]
    fn endpoints_split_for_zeek() {
        assert_eq!(split_endpoint("[2001:db8::1]:443"), ("2001:db8::1", "443"));
        assert_eq!(split_endpoint("192.0.2.1:80"), ("192.0.2.1", "80"));
    }

    #[test]
    fn csv_quotes_when_needed() {
        let mut s = String::new();
        csv_field(&mut s, "a,b");
        assert_eq!(s, "\"a,b\"");
    }
}
