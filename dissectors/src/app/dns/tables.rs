//! Names of DNS numbers as Wireshark 4.0 shows them: record types (short
//! and long forms), classes, opcodes, response codes, EDNS option codes,
//! SVCB parameter keys, Extended DNS Error codes and the algorithm numbers
//! EDNS lists (RFC 6975).

/// The short name of a record type (`A`, `AAAA`, ...), or `None` when unknown.
pub fn type_short(t: u16) -> Option<&'static str> {
    type_entry(t).map(|e| e.0)
}

/// The short and long names of a record type.
fn type_entry(t: u16) -> Option<(&'static str, &'static str)> {
    Some(match t {
        0 => ("Unused", "Unused"),
        1 => ("A", "A (Host Address)"),
        2 => ("NS", "NS (authoritative Name Server)"),
        3 => ("MD", "MD (Mail Destination)"),
        4 => ("MF", "MF (Mail Forwarder)"),
        5 => ("CNAME", "CNAME (Canonical NAME for an alias)"),
        6 => ("SOA", "SOA (Start Of a zone of Authority)"),
        7 => ("MB", "MB (MailBox domain name)"),
        8 => ("MG", "MG (Mail Group member)"),
        9 => ("MR", "MR (Mail Rename domain)"),
        10 => ("NULL", "NULL RR"),
        11 => ("WKS", "WKS (Well Known Service)"),
        12 => ("PTR", "PTR (domain name PoinTeR)"),
        13 => ("HINFO", "HINFO (host information)"),
        14 => ("MINFO", "MINFO (Mailbox or mail list information)"),
        15 => ("MX", "MX (Mail eXchange)"),
        16 => ("TXT", "TXT (Text strings)"),
        17 => ("RP", "RP (Responsible Person)"),
        18 => ("AFSDB", "AFSDB (AFS Data Base location)"),
        19 => ("X25", "X25 (XX.25 PSDN address)"),
        20 => ("ISDN", "ISDN (ISDN address)"),
        21 => ("RT", "RT (Route Through)"),
        22 => ("NSAP", "NSAP (NSAP address)"),
        23 => ("NSAP-PTR", "NSAP-PTR (NSAP domain name pointer)"),
        24 => ("SIG", "SIG (security signature)"),
        25 => ("KEY", "KEY (security key)"),
        26 => ("PX", "PX (X.400 mail mapping information)"),
        27 => ("GPOS", "GPOS (Geographical Position)"),
        28 => ("AAAA", "AAAA (IPv6 Address)"),
        29 => ("LOC", "LOC (Location Information)"),
        30 => ("NXT", "NXT (Next Domain)"),
        31 => ("EID", "EID (Endpoint Identifier)"),
        32 => ("NIMLOC", "NIMLOC (Nimrod Locator)"),
        33 => ("SRV", "SRV (Server Selection)"),
        34 => ("ATMA", "ATMA (ATM Address)"),
        35 => ("NAPTR", "NAPTR (Naming Authority Pointer)"),
        36 => ("KX", "KX (Key Exchanger)"),
        37 => ("CERT", "CERT"),
        38 => ("A6", "A6 (OBSOLETE - use AAAA)"),
        39 => ("DNAME", "DNAME"),
        40 => ("SINK", "SINK"),
        41 => ("OPT", "OPT"),
        42 => ("APL", "APL"),
        43 => ("DS", "DS (Delegation Signer)"),
        44 => ("SSHFP", "SSHFP (SSH Key Fingerprint)"),
        45 => ("IPSECKEY", "IPSECKEY"),
        46 => ("RRSIG", "RRSIG (Resource Record Signature)"),
        47 => ("NSEC", "NSEC (Next Secure)"),
        48 => ("DNSKEY", "DNSKEY (DNS Public Key)"),
        49 => ("DHCID", "DHCID"),
        50 => ("NSEC3", "NSEC3"),
        51 => ("NSEC3PARAM", "NSEC3PARAM"),
        52 => ("TLSA", "TLSA"),
        55 => ("HIP", "HIP (Host Identity Protocol)"),
        57 => ("RKEY", "RKEY"),
        58 => ("TALINK", "TALINK (Trust Anchor LINK)"),
        59 => ("CDS", "CDS (Child DS)"),
        60 => ("CDNSKEY", "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)"),
        61 => ("OPENPGPKEY", "OPENPGPKEY (OpenPGP Key)"),
        62 => ("CSYNC", "CSYNC (Child-to-Parent Synchronization)"),
        63 => ("ZONEMD", "ZONEMD"),
        64 => ("SVCB", "SVCB (General Purpose Service Endpoints)"),
        65 => ("HTTPS", "HTTPS (HTTPS Specific Service Endpoints)"),
        99 => ("SPF", "SPF"),
        100 => ("UINFO", "UINFO"),
        101 => ("UID", "UID"),
        102 => ("GID", "GID"),
        103 => ("UNSPEC", "UNSPEC"),
        104 => ("NID", "NID (NodeID)"),
        105 => ("L32", "L32 (Locator32)"),
        106 => ("L64", "L64 (Locator64)"),
        107 => ("LP", "LP (Locator FQDN)"),
        108 => ("EUI48", "EUI48"),
        109 => ("EUI64", "EUI64"),
        249 => ("TKEY", "TKEY (Transaction Key)"),
        250 => ("TSIG", "TSIG (Transaction Signature)"),
        251 => ("IXFR", "IXFR (incremental transfer)"),
        252 => ("AXFR", "AXFR (transfer of an entire zone)"),
        // Wireshark 4.0's two tables disagree on 253/254; shown as it shows them.
        253 => ("MAILA", "MAILB (mailbox-related RRs)"),
        254 => ("MAILB", "MAILA (mail agent RRs)"),
        255 => ("ANY", "* (A request for all records the server/cache has available)"),
        256 => ("URI", "URI"),
        257 => ("CAA", "CAA (Certification Authority Restriction)"),
        32768 => ("TA", "TA (DNSSEC Trust Authorities)"),
        32769 => ("DLV", "DLV (DNSSEC Lookaside Validation)"),
        65281 => ("WINS", "WINS"),
        65282 => ("WINS-R", "WINS-R"),
        _ => return None,
    })
}

/// `A`, or `Unknown (N)`: the type as the Info column and record lines show it.
pub fn type_name(t: u16) -> String {
    match type_short(t) {
        Some(s) => s.to_string(),
        None => format!("Unknown ({t})"),
    }
}

/// `A (Host Address) (1)`: the Type field's text.
pub fn type_field(t: u16) -> String {
    match type_entry(t) {
        Some((_, long)) => format!("{long} ({t})"),
        None => format!("Unknown ({t})"),
    }
}

/// A class's short name (`IN`), `Unknown` when unassigned.
pub fn class_name(c: u16) -> &'static str {
    match c {
        1 => "IN",
        2 => "CS",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => "Unknown",
    }
}

/// `IN (0x0001)`: the Class field's text.
pub fn class_field(c: u16) -> String {
    format!("{} (0x{c:04x})", class_name(c))
}

pub fn opcode_name(op: u8) -> Option<&'static str> {
    Some(match op {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        6 => "DNS Stateful operations (DSO)",
        _ => return None,
    })
}

pub fn rcode_name(rc: u16) -> Option<&'static str> {
    Some(match rc {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        6 => "Name exists",
        7 => "RRset exists",
        8 => "RRset does not exist",
        9 => "Not authoritative",
        10 => "Name out of zone",
        11 => "DSO-Type not implemented",
        16 => "Bad OPT Version or TSIG Signature Failure",
        17 => "Key not recognized",
        18 => "Signature out of time window",
        19 => "Bad TKEY mode",
        20 => "Duplicate key name",
        21 => "Algorithm not supported",
        22 => "Bad truncation",
        23 => "Bad/missing server cookie",
        _ => return None,
    })
}

/// The mnemonic of a response code (RFC 6895 registry), for lessons.
pub fn rcode_mnemonic(rc: u16) -> Option<&'static str> {
    Some(match rc {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => return None,
    })
}

pub fn edns_option_name(code: u16) -> String {
    let s = match code {
        0 => "Reserved",
        1 => "LLQ - Long-lived query",
        2 => "UL - Update lease",
        3 => "NSID - Name Server Identifier",
        4 => "Owner (reserved)",
        5 => "DAU - DNSSEC Algorithm Understood (RFC6975)",
        6 => "DHU - DS Hash Understood (RFC6975)",
        7 => "N3U - NSEC3 Hash Understood (RFC6975)",
        8 => "CSUBNET - Client subnet",
        9 => "EDNS EXPIRE (RFC7314)",
        10 => "COOKIE",
        11 => "EDNS TCP Keepalive",
        12 => "PADDING",
        13 => "CHAIN",
        15 => "Extended DNS Error",
        _ => return format!("Unknown ({code})"),
    };
    s.to_string()
}

/// SVCB SvcParamKey names (RFC 9460), `None` for keys shown as `keyN`.
pub fn svc_key_name(k: u16) -> Option<&'static str> {
    Some(match k {
        0 => "mandatory",
        1 => "alpn",
        2 => "no-default-alpn",
        3 => "port",
        4 => "ipv4hint",
        5 => "echconfig",
        6 => "ipv6hint",
        65535 => "key65535",
        _ => return None,
    })
}

/// `alpn (1)` or `Unknown (7)`.
pub fn svc_key_field(k: u16) -> String {
    match svc_key_name(k) {
        Some(s) => format!("{s} ({k})"),
        None => format!("Unknown ({k})"),
    }
}

pub fn ede_name(code: u16) -> &'static str {
    match code {
        0 => "Other Error",
        1 => "Unsupported DNSKEY Algorithm",
        2 => "Unsupported DS Digest Type",
        3 => "Stale Answer",
        4 => "Forged Answer",
        5 => "DNSSEC Indeterminate",
        6 => "DNSSEC Bogus",
        7 => "Signature Expired",
        8 => "Signature Not Yet Valid",
        9 => "DNSKEY Missing",
        10 => "RRSIGs Missing",
        11 => "No Zone Key Bit Set",
        12 => "NSEC Missing",
        13 => "Cached Error",
        14 => "Not Ready",
        15 => "Blocked",
        16 => "Censored",
        17 => "Filtered",
        18 => "Prohibited",
        19 => "Stale NXDomain Answer",
        20 => "Not Authoritative",
        21 => "Not Supported",
        22 => "No Reachable Authority",
        23 => "Network Error",
        24 => "Invalid Data",
        25 => "Signature Expired before Valid",
        26 => "Too Early",
        27 => "Unsupported NSEC3 Iterations Value",
        28 => "Unable to conform to policy",
        29 => "Synthesized",
        _ => "Unassigned",
    }
}

pub fn dnssec_alg_name(a: u8) -> &'static str {
    match a {
        1 => "RSA/MD5",
        2 => "Diffie-Hellman",
        3 => "DSA",
        4 => "Elliptic curve crypto",
        5 => "RSA/SHA1",
        6 => "DSA + NSEC3/SHA1",
        7 => "RSA/SHA1 + NSEC3/SHA1",
        8 => "RSA/SHA-256",
        10 => "RSA/SHA-512",
        12 => "GOST R 34.10-2001",
        13 => "ECDSA Curve P-256 with SHA-256",
        14 => "ECDSA Curve P-386 with SHA-386",
        15 => "Ed25519",
        16 => "Ed448",
        252 => "Indirect key",
        253 => "Private, domain name",
        254 => "Private, OID",
        _ => "Unknown",
    }
}

pub fn ds_digest_name(a: u8) -> &'static str {
    match a {
        0 => "Reserved digest",
        1 => "SHA-1",
        2 => "SHA-256",
        3 => "GOST R 34.11-94",
        4 => "SHA-384",
        _ => "Unknown",
    }
}

pub fn nsec3_hash_name(a: u8) -> &'static str {
    match a {
        0 => "Reserved",
        1 => "SHA-1",
        _ => "Unknown",
    }
}

/// A duration in seconds as Wireshark writes it: `1 day, 1 hour, 1 minute, 1 second`.
pub fn secs_text(secs: u32) -> String {
    if secs == 0 {
        return "0 seconds".into();
    }
    let parts = [
        (secs / 86_400, "day"),
        (secs / 3600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let mut out = String::new();
    for (n, unit) in parts {
        if n == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&n.to_string());
        out.push(' ');
        out.push_str(unit);
        if n != 1 {
            out.push('s');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_wireshark() {
        assert_eq!(secs_text(0), "0 seconds");
        assert_eq!(secs_text(3600), "1 hour");
        assert_eq!(secs_text(552), "9 minutes, 12 seconds");
        assert_eq!(secs_text(90061), "1 day, 1 hour, 1 minute, 1 second");
        assert_eq!(secs_text(2_147_483_649), "24855 days, 3 hours, 14 minutes, 9 seconds");
    }

    #[test]
    fn names_of_numbers() {
        assert_eq!(type_field(1), "A (Host Address) (1)");
        assert_eq!(type_field(53), "Unknown (53)");
        assert_eq!(type_name(65280), "Unknown (65280)");
        assert_eq!(class_field(1), "IN (0x0001)");
        assert_eq!(class_field(0x8001), "Unknown (0x8001)");
        assert_eq!(edns_option_name(14), "Unknown (14)");
        assert_eq!(svc_key_field(7), "Unknown (7)");
    }
}
