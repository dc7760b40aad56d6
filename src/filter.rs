//! Display filters in Wireshark's language, over the same field names as the
//! tree: `dns`, `tcp.port == 80`, `ip.addr == 10.0.0.0/8`, `http.host
//! contains "example"`, `http.request.uri matches "^/api"`, `not arp and
//! (udp || icmp)`, `eth.src == 00:11:22:33:44:55`, `tcp.flags.syn == 1`.
//!
//! A comparison is true when any occurrence of the field satisfies it;
//! `!=` is true when the field is there and no occurrence equals the value,
//! as in Wireshark 4 (so `dns.flags.rcode != 0` leaves out non-DNS frames).
//! Strings compare exactly; `contains` looks for a substring (text) or
//! bytes; `matches` is a case-insensitive regular expression. A parse error
//! says where, with a caret under the spot.

use std::fmt;
use std::net::IpAddr;

use regex::Regex;
use wirelens_dissectors::tree::{Node, Tree, Value};

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// A literal on the right of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Num(f64),
    Str(String),
    /// An address, with a prefix length for a network (`10.0.0.0/8`).
    Ip(IpAddr, Option<u8>),
    Mac([u8; 6]),
    Bool(bool),
}

/// A parsed filter.
#[derive(Clone, Debug)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// The field or protocol is present.
    Has(String),
    Cmp(String, Op, Lit),
    Contains(String, String),
    Matches(String, Regex),
}

/// Where and why a filter does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub filter: String,
    /// Byte offset of the problem.
    pub pos: usize,
    pub msg: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let col = self.filter.get(..self.pos).map_or(self.pos, |s| s.chars().count());
        write!(
            f,
            "bad display filter: {}\n  {}\n  {}^",
            self.msg,
            self.filter,
            " ".repeat(col)
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Op(Op),
    And,
    Or,
    Not,
    Contains,
    Matches,
    LParen,
    RParen,
}

fn err(filter: &str, pos: usize, msg: impl Into<String>) -> FilterError {
    FilterError {
        filter: filter.to_string(),
        pos,
        msg: msg.into(),
    }
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' => i += 1,
            b'(' => {
                out.push((i, Tok::LParen));
                i += 1;
            }
            b')' => {
                out.push((i, Tok::RParen));
                i += 1;
            }
            b'"' => {
                i += 1;
                let mut v = String::new();
                loop {
                    match b.get(i) {
                        None => return Err(err(s, start, "this string is not closed (a \" is missing)")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            match b.get(i + 1) {
                                Some(b'n') => v.push('\n'),
                                Some(b't') => v.push('\t'),
                                Some(&e) => v.push(char::from(e)),
                                None => return Err(err(s, i, "a backslash ends the filter")),
                            }
                            i += 2;
                        }
                        Some(_) => {
                            let ch = s[i..].chars().next().unwrap_or('?');
                            v.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((start, Tok::Str(v)));
            }
            b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b'~' => {
                let two = s.get(i..i + 2).unwrap_or("");
                let (tok, n) = match two {
                    "==" => (Tok::Op(Op::Eq), 2),
                    "!=" => (Tok::Op(Op::Ne), 2),
                    "<=" => (Tok::Op(Op::Le), 2),
                    ">=" => (Tok::Op(Op::Ge), 2),
                    "&&" => (Tok::And, 2),
                    "||" => (Tok::Or, 2),
                    _ => match c {
                        b'<' => (Tok::Op(Op::Lt), 1),
                        b'>' => (Tok::Op(Op::Gt), 1),
                        b'!' => (Tok::Not, 1),
                        b'~' => (Tok::Matches, 1),
                        b'=' => (Tok::Op(Op::Eq), 1),
                        _ => {
                            return Err(err(
                                s,
                                i,
                                format!("'{}' is not an operator here (&& and || are doubled)", char::from(c)),
                            ))
                        }
                    },
                };
                out.push((i, tok));
                i += n;
            }
            _ => {
                while i < b.len()
                    && !matches!(
                        b[i],
                        b' ' | b'\t' | b'\n' | b'(' | b')' | b'"' | b'=' | b'!' | b'<' | b'>' | b'&' | b'|' | b'~'
                    )
                {
                    i += 1;
                }
                if i == start {
                    return Err(err(s, i, "unexpected character"));
                }
                let w = &s[start..i];
                let tok = match w {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "contains" => Tok::Contains,
                    "matches" => Tok::Matches,
                    "eq" => Tok::Op(Op::Eq),
                    "ne" => Tok::Op(Op::Ne),
                    "lt" => Tok::Op(Op::Lt),
                    "gt" => Tok::Op(Op::Gt),
                    "le" => Tok::Op(Op::Le),
                    "ge" => Tok::Op(Op::Ge),
                    _ => Tok::Word(w.to_string()),
                };
                out.push((start, tok));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a str,
    toks: Vec<(usize, Tok)>,
    at: usize,
}

impl Parser<'_> {
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.s.len(), |t| t.0)
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.1)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|t| t.1.clone());
        self.at += 1;
        t
    }
    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, FilterError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                let open = self.pos();
                self.at += 1;
                let e = self.or()?;
                if self.next() != Some(Tok::RParen) {
                    self.at -= 1;
                    let p = self.pos();
                    return Err(err(self.s, p.max(open), "a ')' is missing"));
                }
                Ok(e)
            }
            _ => self.test(),
        }
    }
    fn test(&mut self) -> Result<Expr, FilterError> {
        let fpos = self.pos();
        let field = match self.next() {
            Some(Tok::Word(w)) => w,
            None => return Err(err(self.s, fpos, "a field name is missing")),
            Some(_) => {
                return Err(err(
                    self.s,
                    fpos,
                    "a field name (e.g. ip.src, dns, tcp.port) was expected here",
                ))
            }
        };
        if !field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(err(self.s, fpos, format!("{field:?} is not a field name")));
        }
        let opos = self.pos();
        let op = match self.peek() {
            Some(Tok::Op(o)) => Some(Tok::Op(*o)),
            Some(Tok::Contains) => Some(Tok::Contains),
            Some(Tok::Matches) => Some(Tok::Matches),
            _ => None,
        };
        let Some(op) = op else { return Ok(Expr::Has(field)) };
        self.at += 1;
        let vpos = self.pos();
        let value = match self.next() {
            Some(Tok::Word(w)) => (w, false),
            Some(Tok::Str(v)) => (v, true),
            _ => return Err(err(self.s, vpos.max(opos), "a value is missing after the operator")),
        };
        match op {
            Tok::Contains => Ok(Expr::Contains(field, value.0)),
            Tok::Matches => {
                let re = regex::RegexBuilder::new(&value.0)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| err(self.s, vpos, format!("not a regular expression: {e}")))?;
                Ok(Expr::Matches(field, re))
            }
            Tok::Op(o) => {
                let lit = if value.1 { Lit::Str(value.0) } else { literal(&value.0) };
                Ok(Expr::Cmp(field, o, lit))
            }
            _ => Err(err(self.s, opos, "unexpected operator")),
        }
    }
}

/// An unquoted value: a number, an address or network, a MAC, a boolean, or a bare string.
fn literal(w: &str) -> Lit {
    match w {
        "true" | "True" | "TRUE" => return Lit::Bool(true),
        "false" | "False" | "FALSE" => return Lit::Bool(false),
        _ => {}
    }
    if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        if let Ok(n) = u64::from_str_radix(h, 16) {
            return Lit::Num(n as f64);
        }
    }
    if let Ok(n) = w.parse::<f64>() {
        return Lit::Num(n);
    }
    let (addr, prefix) = match w.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (w, None),
    };
    if let Ok(ip) = addr.parse::<IpAddr>() {
        return Lit::Ip(ip, prefix);
    }
    let parts: Vec<&str> = w.split([':', '-', '.']).collect();
    if parts.len() == 6 && parts.iter().all(|p| p.len() == 2) {
        let mut m = [0u8; 6];
        if parts
            .iter()
            .zip(m.iter_mut())
            .all(|(p, d)| u8::from_str_radix(p, 16).map(|v| *d = v).is_ok())
        {
            return Lit::Mac(m);
        }
    }
    Lit::Str(w.to_string())
}

/// Parses a display filter.
pub fn parse(s: &str) -> Result<Expr, FilterError> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return Err(err(s, 0, "the filter is empty"));
    }
    let mut p = Parser { s, toks, at: 0 };
    let e = p.or()?;
    if p.at < p.toks.len() {
        let pos = p.pos();
        return Err(err(
            s,
            pos,
            "unexpected text: 'and', 'or' or a ')' was expected before it",
        ));
    }
    Ok(e)
}

/// The names a filter field stands for: Wireshark's `ip.addr`, `tcp.port`
/// and friends match either of the two fields.
fn names(field: &str) -> Vec<String> {
    let pair = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    match field {
        "ip.addr" => pair("ip.src", "ip.dst"),
        "ip.host" => pair("ip.src", "ip.dst"),
        "ipv6.addr" => pair("ipv6.src", "ipv6.dst"),
        "tcp.port" => pair("tcp.srcport", "tcp.dstport"),
        "udp.port" => pair("udp.srcport", "udp.dstport"),
        "eth.addr" => pair("eth.src", "eth.dst"),
        _ => vec![field.to_string()],
    }
}

fn num(v: &Value) -> Option<f64> {
    Some(match v {
        Value::UInt(n) => *n as f64,
        Value::Int(n) => *n as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Duration(ns) => *ns as f64 / 1e9,
        Value::Time { secs, nanos } => *secs as f64 + f64::from(*nanos) / 1e9,
        _ => return None,
    })
}

fn in_net(a: IpAddr, net: IpAddr, prefix: Option<u8>) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from(prefix.unwrap_or(32).min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from(prefix.unwrap_or(128).min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The text of a node's value (strings as they are; others as in `-T fields`).
fn text(t: &Tree, n: &Node, frame: &[u8]) -> String {
    match &n.value {
        Value::Str(s) => s.to_string(),
        Value::Bytes => String::from_utf8_lossy(t.source_data(n.src, frame).get(n.span()).unwrap_or(&[])).into_owned(),
        Value::OwnedBytes(b) => String::from_utf8_lossy(b).into_owned(),
        _ => {
            let mut s = String::new();
            t.write_field(&mut s, n, frame);
            s
        }
    }
}

fn cmp_one(t: &Tree, n: &Node, frame: &[u8], op: Op, lit: &Lit) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (lit, &n.value) {
        (Lit::Ip(ip, prefix), Value::Ipv4(a)) => {
            return match op {
                Op::Eq => in_net(IpAddr::V4(*a), *ip, *prefix),
                Op::Ne => !in_net(IpAddr::V4(*a), *ip, *prefix),
                _ => IpAddr::V4(*a).partial_cmp(ip).is_some_and(|o| ord_ok(op, o)),
            }
        }
        (Lit::Ip(ip, prefix), Value::Ipv6(a)) => {
            return match op {
                Op::Eq => in_net(IpAddr::V6(*a), *ip, *prefix),
                Op::Ne => !in_net(IpAddr::V6(*a), *ip, *prefix),
                _ => IpAddr::V6(*a).partial_cmp(ip).is_some_and(|o| ord_ok(op, o)),
            }
        }
        (Lit::Mac(m), Value::Mac(a)) => Some(a.cmp(m)),
        (Lit::Bool(b), v) => num(v).map(|x| x.total_cmp(&f64::from(u8::from(*b)))),
        (Lit::Num(x), v) => num(v).map(|y| y.total_cmp(x)),
        (Lit::Str(s), _) => Some(text(t, n, frame).as_str().cmp(s.as_str())),
        _ => None,
    };
    ord.is_some_and(|o| ord_ok(op, o))
}

fn ord_ok(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Gt => o == Greater,
        Op::Le => o != Greater,
        Op::Ge => o != Less,
    }
}

/// Whether the frame whose tree is `t` passes the filter.
pub fn matches(e: &Expr, t: &Tree, frame: &[u8]) -> bool {
    match e {
        Expr::Or(a, b) => matches(a, t, frame) || matches(b, t, frame),
        Expr::And(a, b) => matches(a, t, frame) && matches(b, t, frame),
        Expr::Not(a) => !matches(a, t, frame),
        Expr::Has(f) => {
            let ns = names(f);
            t.pre_order().any(|(_, n)| ns.iter().any(|x| x == n.name))
        }
        Expr::Cmp(f, Op::Ne, lit) => {
            // Wireshark 4: the field is there and no occurrence equals the value.
            let ns = names(f);
            let mut seen = false;
            let none_equal = t
                .pre_order()
                .filter(|(_, n)| ns.iter().any(|x| x == n.name) && !matches!(n.value, Value::None))
                .all(|(_, n)| {
                    seen = true;
                    !cmp_one(t, n, frame, Op::Eq, lit)
                });
            seen && none_equal
        }
        Expr::Cmp(f, op, lit) => {
            let ns = names(f);
            t.pre_order()
                .filter(|(_, n)| ns.iter().any(|x| x == n.name) && !matches!(n.value, Value::None))
                .any(|(_, n)| cmp_one(t, n, frame, *op, lit))
        }
        Expr::Contains(f, s) => {
            let ns = names(f);
            t.pre_order()
                .filter(|(_, n)| ns.iter().any(|x| x == n.name))
                .any(|(_, n)| text(t, n, frame).contains(s.as_str()))
        }
        Expr::Matches(f, re) => {
            let ns = names(f);
            t.pre_order()
                .filter(|(_, n)| ns.iter().any(|x| x == n.name))
                .any(|(_, n)| re.is_match(&text(t, n, frame)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_spot() {
        let e = parse("tcp.port == 80 and").unwrap_err();
        assert_eq!(e.pos, 18, "{e}");
        assert!(e.msg.contains("field name is missing"));
        let e = parse("(dns or http").unwrap_err();
        assert!(e.msg.contains("')' is missing"), "{e}");
        let e = parse("ip.src == \"10.0.0.1").unwrap_err();
        assert_eq!(e.pos, 10);
        let e = parse("http.host matches \"(\"").unwrap_err();
        assert_eq!(e.pos, 18);
        let e = parse("dns http").unwrap_err();
        assert_eq!(e.pos, 4);
        assert!(e.to_string().ends_with("\n  dns http\n      ^"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("a & b").is_err());
    }

    #[test]
    fn literals_are_typed() {
        assert_eq!(literal("80"), Lit::Num(80.0));
        assert_eq!(literal("0x10"), Lit::Num(16.0));
        assert_eq!(literal("10.0.0.0/8"), Lit::Ip("10.0.0.0".parse().unwrap(), Some(8)));
        assert_eq!(literal("fe80::1"), Lit::Ip("fe80::1".parse().unwrap(), None));
        assert_eq!(
            literal("00:11:22:aa:bb:cc"),
            Lit::Mac([0, 0x11, 0x22, 0xaa, 0xbb, 0xcc])
        );
        assert_eq!(literal("True"), Lit::Bool(true));
        assert_eq!(literal("GET"), Lit::Str("GET".into()));
        assert!(in_net(
            "10.1.2.3".parse().unwrap(),
            "10.0.0.0".parse().unwrap(),
            Some(8)
        ));
        assert!(!in_net(
            "11.1.2.3".parse().unwrap(),
            "10.0.0.0".parse().unwrap(),
            Some(8)
        ));
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let e = parse("a or b and not c").unwrap();
        assert!(matches!(e, Expr::Or(_, ref r) if matches!(**r, Expr::And(_, _))));
        let e = parse("!(a || b) && c").unwrap();
        assert!(matches!(e, Expr::And(ref l, _) if matches!(**l, Expr::Not(_))));
    }
}
