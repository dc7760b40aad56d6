//! Flow keys and the flow table: canonical 5-tuples (plus VLAN) mapped to
//! stable ids numbered in order of appearance, separately for TCP and UDP,
//! like Wireshark's `tcp.stream` and `udp.stream`.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

/// One end of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl fmt::Display for Endpoint {
    /// `ip:port`, IPv6 in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// The canonical key of a flow: the lower endpoint first, so both
/// directions map to the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub lo: Endpoint,
    pub hi: Endpoint,
    pub proto: u8,
    /// Outermost VLAN id, 0 when untagged.
    pub vlan: u16,
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and whether it travels lo -> hi.
    pub fn new(src: Endpoint, dst: Endpoint, proto: u8, vlan: u16) -> (FlowKey, bool) {
        if src <= dst {
            (
                FlowKey {
                    lo: src,
                    hi: dst,
                    proto,
                    vlan,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    lo: dst,
                    hi: src,
                    proto,
                    vlan,
                },
                false,
            )
        }
    }
}

/// Which side of a flow sent a packet, relative to the flow's first sender
/// (later reoriented to client/server by the TCP engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From the endpoint that sent the flow's first packet.
    Fwd,
    /// Towards it.
    Rev,
}

impl Dir {
    pub fn index(self) -> usize {
        match self {
            Dir::Fwd => 0,
            Dir::Rev => 1,
        }
    }
    pub fn flip(self) -> Dir {
        match self {
            Dir::Fwd => Dir::Rev,
            Dir::Rev => Dir::Fwd,
        }
    }
}

/// Maps keys to the slot of the live flow and hands out stream ids per protocol.
#[derive(Debug, Default)]
pub struct FlowTable {
    live: HashMap<FlowKey, usize>,
    next_tcp: u64,
    next_udp: u64,
}

impl FlowTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &FlowKey) -> Option<usize> {
        self.live.get(key).copied()
    }

    /// Binds `key` to slot `slot` (replacing a previous binding, e.g. on port reuse).
    pub fn bind(&mut self, key: FlowKey, slot: usize) {
        self.live.insert(key, slot);
    }

    pub fn unbind(&mut self, key: &FlowKey) -> Option<usize> {
        self.live.remove(key)
    }

    /// The next stream id of a protocol (6 = TCP, 17 = UDP, others share UDP's counter).
    pub fn next_stream(&mut self, proto: u8) -> u64 {
        let c = if proto == 6 {
            &mut self.next_tcp
        } else {
            &mut self.next_udp
        };
        let id = *c;
        *c += 1;
        id
    }

    pub fn live_count(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key() {
        let a = Endpoint {
            ip: "10.0.0.1".parse().unwrap(),
            port: 51514,
        };
        let b = Endpoint {
            ip: "10.0.0.2".parse().unwrap(),
            port: 80,
        };
        let (k1, d1) = FlowKey::new(a, b, 6, 0);
        let (k2, d2) = FlowKey::new(b, a, 6, 0);
        assert_eq!(k1, k2);
        assert_ne!(d1, d2);
        let (k3, _) = FlowKey::new(a, b, 6, 7);
        assert_ne!(k1, k3, "the VLAN id is part of the key");
    }

    #[test]
    fn endpoints_print_with_brackets_for_ipv6() {
        let e = Endpoint {
            ip: "2001:db8::1".parse().unwrap(),
            port: 443,
        };
        assert_eq!(e.to_string(), "[2001:db8::1]:443");
    }

    #[test]
    fn stream_ids_count_per_protocol() {
        let mut t = FlowTable::new();
        assert_eq!(t.next_stream(6), 0);
        assert_eq!(t.next_stream(17), 0);
        assert_eq!(t.next_stream(6), 1);
    }
}
