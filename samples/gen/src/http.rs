//! HTTP/1.1 samples: keep-alive with every way to delimit a body, caching
//! and validators, pipelining, CORS, polling, Server-Sent Events, and a
//! large body with a loss. Captured on the client 192.0.2.10; the web
//! servers are 198.51.100.20 (www.example.com) and 198.51.100.21
//! (api.example.com), 20 ms away.

use crate::appkit::*;
use crate::craft::{Frame, ACK, PSH};
use crate::tcpkit::{host, remote, Conn, Who, SEG, WEB};
use Who::{C, S};

const RTT: u64 = 20_000;
/// Linux's delayed ACK as the samples use it.
const DELACK: u64 = 40_000;
/// 198.51.100.21: api.example.com.
const API: [u8; 4] = [198, 51, 100, 21];

const CURL: &str = "User-Agent: curl/8.5.0";
const FIREFOX: &str = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0";
const SERVER: &str = "Server: nginx/1.24.0";

fn date(us: u64) -> String {
    format!("Date: {}", http_date(us))
}

/// The client sends `req` at `at`; the server works `think` µs and sends
/// `resp`. Returns when the last segment of the response arrived. The
/// server's kernel acknowledges the request on its own when the answer
/// takes longer than its delayed-ACK timer.
fn exchange(k: &mut Conn, at: u64, req: &[u8], resp: &[u8], think: u64) -> u64 {
    write(k, at, C, req, 120);
    if think > DELACK {
        k.ack(at + RTT + DELACK, S);
    }
    write(k, at + RTT + think, S, resp, 120)
}

/// An HTML page of about `n` bytes.
fn html(title: &str, n: usize) -> Vec<u8> {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let mut i = 1;
    while s.len() + 40 < n {
        s.push_str(&format!("<p>Paragraph {i}: packets, segments and streams.</p>\n"));
        i += 1;
    }
    s.push_str("</body>\n</html>\n");
    s.into_bytes()
}

/// nginx's built-in error/redirect page.
fn nginx_page(status: &str) -> Vec<u8> {
    format!(
        "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n<center><h1>{status}</h1></center>\r\n\
         <hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
    )
    .into_bytes()
}

/// A style sheet of about `n` bytes (compresses well, as CSS does).
fn css(n: usize) -> Vec<u8> {
    let mut s = String::from("/* site style */\n:root { --fg: #1d1d1f; --bg: #fbfbfd; --accent: #0066cc; }\n");
    let tags = [
        "body", "header", "nav", "main", "article", "section", "aside", "footer", "h1", "h2", "p", "a", "ul", "li",
        "table", "td",
    ];
    let mut i = 0;
    while s.len() < n {
        let t = tags[i % tags.len()];
        s.push_str(&format!(
            ".{t}-{i} {t} {{ margin: {}px {}px; padding: {}px; color: var(--fg); background: var(--bg); }}\n",
            i % 7 * 2,
            i % 5 * 4,
            i % 3 * 8
        ));
        i += 1;
    }
    s.into_bytes()
}

fn cl(n: usize) -> String {
    format!("Content-Length: {n}")
}

/// A curl request for `path` on www.example.com.
fn curl(method: &str, path: &str, extra: &[&str]) -> Vec<u8> {
    let mut h = vec!["Host: www.example.com", CURL, "Accept: */*"];
    h.extend_from_slice(extra);
    request(method, path, &h, b"")
}

/// http-keepalive.pcap: one connection, eight requests (curl with several
/// URLs), each body delimited a different way; the last answer says
/// `Connection: close` and the server closes first.
pub fn keepalive() -> Vec<Frame> {
    let mut k = Conn::new(
        host(44120, 0x41d2_07aa, 1_300_000_000),
        remote(WEB, 80, 0x9b33_c410, 640_000_000),
    );
    let mut t = k.open(0, RTT);

    // 1. Content-Length.
    let page = html("Welcome", 2400);
    let d = date(t + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/html",
            &cl(page.len()),
            "Last-Modified: Wed, 31 Dec 2025 09:12:44 GMT",
            "Connection: keep-alive",
            "ETag: \"6954e89c-960\"",
            "Accept-Ranges: bytes",
        ],
        &page,
    );
    let end = exchange(&mut k, t + 90, &curl("GET", "/index.html", &[]), &resp, 600);
    k.ack(end + 30, C);

    // 2. Chunked, with a chunk extension and a trailer field; the body is
    // produced in three pieces, the second larger than a segment.
    t = end + 1_200;
    write(
        &mut k,
        t,
        C,
        &curl("GET", "/api/items", &["TE: trailers", "Connection: TE"]),
        120,
    );
    let d = date(t + RTT);
    let mut head = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
            "Connection: keep-alive",
            "Trailer: Server-Timing",
        ],
        b"",
    );
    head.extend(chunk(b"{\"items\":[", ""));
    push(&mut k, t + RTT + 2_100, S, &head);
    let mut rows = String::new();
    for i in 1..=40 {
        rows.push_str(&format!(
            "{{\"id\":{i},\"name\":\"item {i:02}\",\"price\":{}.{:02},\"in_stock\":{}}},",
            3 + i * 2,
            i * 7 % 100,
            i % 3 != 0
        ));
    }
    let part2 = chunk(rows.as_bytes(), ";page=1");
    let t2 = t + RTT + 17_400;
    let end2 = write(&mut k, t2, S, &part2, 120);
    k.ack(end2 + 30, C);
    let mut tail = chunk(
        b"{\"id\":25,\"name\":\"item 25\",\"price\":53.75,\"in_stock\":true}]}",
        ";page=2;last",
    );
    tail.extend(last_chunk(&["Server-Timing: db;dur=31.4, render;dur=2.2"]));
    push(&mut k, t2 + 12_800, S, &tail);
    k.ack(t2 + 12_830, C);

    // 3. gzip Content-Encoding (a pre-compressed file: Content-Length is
    // the compressed size).
    t = t2 + 13_900;
    let style = css(7_000);
    let gz = gzip(&style);
    let d = date(t + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/css",
            &cl(gz.len()),
            "Last-Modified: Mon, 29 Dec 2025 16:40:02 GMT",
            "Connection: keep-alive",
            "Vary: Accept-Encoding",
            "ETag: \"6952b002-1b58\"",
            "Content-Encoding: gzip",
        ],
        &gz,
    );
    let end = exchange(
        &mut k,
        t,
        &curl("GET", "/style.css", &["Accept-Encoding: deflate, gzip"]),
        &resp,
        400,
    );
    k.ack(end + 30, C);

    // 4. HEAD: the headers of a GET (Content-Length 734003200) and no body.
    t = end + 1_000;
    let d = date(t + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/octet-stream",
            "Content-Length: 734003200",
            "Last-Modified: Fri, 12 Dec 2025 08:00:00 GMT",
            "Connection: keep-alive",
            "ETag: \"693bcb80-2bbfc000\"",
            "Accept-Ranges: bytes",
        ],
        b"",
    );
    let end = exchange(&mut k, t, &curl("HEAD", "/downloads/image.iso", &[]), &resp, 300);
    k.ack(end + DELACK, C);

    // 5-6. A permanent redirect, followed (curl -L) on the same connection.
    t = end + 900_000;
    let body = nginx_page("301 Moved Permanently");
    let d = date(t + RTT);
    let resp = response(
        "301 Moved Permanently",
        &[
            SERVER,
            &d,
            "Content-Type: text/html",
            &cl(body.len()),
            "Connection: keep-alive",
            "Location: http://www.example.com/new-page",
        ],
        &body,
    );
    let end = exchange(&mut k, t, &curl("GET", "/old-page", &[]), &resp, 250);
    let page = html("New page", 900);
    let d = date(end + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/html",
            &cl(page.len()),
            "Last-Modified: Tue, 30 Dec 2025 11:00:00 GMT",
            "Connection: keep-alive",
            "ETag: \"6953b130-384\"",
            "Accept-Ranges: bytes",
        ],
        &page,
    );
    let end = exchange(&mut k, end + 350, &curl("GET", "/new-page", &[]), &resp, 450);
    k.ack(end + DELACK, C);

    // 7. Not found.
    t = end + 1_400_000;
    let body = nginx_page("404 Not Found");
    let d = date(t + RTT);
    let resp = response(
        "404 Not Found",
        &[
            SERVER,
            &d,
            "Content-Type: text/html",
            &cl(body.len()),
            "Connection: keep-alive",
        ],
        &body,
    );
    let end = exchange(&mut k, t, &curl("GET", "/images/missing.png", &[]), &resp, 300);
    k.ack(end + DELACK, C);

    // 8. A 50 MB upload announced with Expect: 100-continue; the server
    // (client_max_body_size 10m) answers 413 at once instead of
    // 100 Continue, so the body is never sent, says Connection: close and
    // closes: the server is the active closer and ends in TIME-WAIT.
    t = end + 2_000_000;
    let req = curl(
        "POST",
        "/upload",
        &[
            "Content-Type: application/octet-stream",
            "Content-Length: 52428800",
            "Expect: 100-continue",
        ],
    );
    let body = nginx_page("413 Request Entity Too Large");
    let d = date(t + RTT);
    let resp = response(
        "413 Request Entity Too Large",
        &[
            SERVER,
            &d,
            "Content-Type: text/html",
            &cl(body.len()),
            "Connection: close",
        ],
        &body,
    );
    let end = exchange(&mut k, t, &req, &resp, 200);
    k.fin(end + 60, S);
    k.ack(end + 90, C);
    k.fin(end + 310, C);
    k.ack(end + RTT + 310, S);
    k.frames
}

/// http-caching.pcap: validators and conditional requests (a browser
/// reloading a page): ETag + If-None-Match, Last-Modified +
/// If-Modified-Since, a weak ETag; 304 Not Modified carries no body.
pub fn caching() -> Vec<Frame> {
    let mut k = Conn::new(
        host(45872, 0x7e0f_3a21, 2_050_000_000),
        remote(WEB, 80, 0x1357_9bdf, 91_000_000),
    );
    let t0 = k.open(0, RTT);
    let get = |path: &str, accept: &str, extra: &[&str]| {
        let mut h = vec![
            "Host: www.example.com",
            FIREFOX,
            accept,
            "Accept-Language: en-US,en;q=0.5",
            "Accept-Encoding: gzip, deflate",
            "Connection: keep-alive",
            "Referer: http://www.example.com/news.html",
        ];
        h.extend_from_slice(extra);
        request("GET", path, &h, b"")
    };
    const IMG: &str = "Accept: image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
    const PAGE: &str = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    const JS: &str = "Accept: */*";

    // 1. A strong ETag and Cache-Control: max-age (fresh for an hour).
    let png = png(24, 24, 0x504e_4731);
    let etag = format!("ETag: \"65a1b2c3-{:x}\"", png.len());
    let etag = etag.as_str();
    let d = date(t0 + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: image/png",
            &cl(png.len()),
            "Last-Modified: Fri, 12 Jan 2024 20:33:07 GMT",
            "Connection: keep-alive",
            etag,
            "Cache-Control: max-age=3600",
            "Accept-Ranges: bytes",
        ],
        &png,
    );
    let end = exchange(&mut k, t0 + 100, &get("/logo.png", IMG, &[]), &resp, 500);
    k.ack(end + 30, C);

    // 2. Reload: If-None-Match with that ETag; 304 and no body.
    let inm = etag.replace("ETag", "If-None-Match");
    let t = end + 4_000_000;
    let d = date(t + RTT);
    let resp = response(
        "304 Not Modified",
        &[
            SERVER,
            &d,
            "Last-Modified: Fri, 12 Jan 2024 20:33:07 GMT",
            "Connection: keep-alive",
            etag,
            "Cache-Control: max-age=3600",
        ],
        b"",
    );
    let end = exchange(
        &mut k,
        t,
        &get("/logo.png", IMG, &[&inm, "Cache-Control: max-age=0"]),
        &resp,
        300,
    );
    k.ack(end + DELACK, C);

    // 3. Last-Modified only, and Cache-Control: no-cache (store, but
    // revalidate before each use).
    let t = end + 1_000_000;
    let page = html("News", 1800);
    let lm = "Last-Modified: Wed, 31 Dec 2025 18:30:00 GMT";
    let d = date(t + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/html; charset=utf-8",
            &cl(page.len()),
            lm,
            "Connection: keep-alive",
            "Cache-Control: no-cache",
        ],
        &page,
    );
    let end = exchange(&mut k, t, &get("/news.html", PAGE, &[]), &resp, 4_200);
    k.ack(end + 30, C);

    // 4. Revalidated with If-Modified-Since: 304.
    let t = end + 3_000_000;
    let d = date(t + RTT);
    let resp = response(
        "304 Not Modified",
        &[SERVER, &d, lm, "Connection: keep-alive", "Cache-Control: no-cache"],
        b"",
    );
    let end = exchange(
        &mut k,
        t,
        &get(
            "/news.html",
            PAGE,
            &[
                "If-Modified-Since: Wed, 31 Dec 2025 18:30:00 GMT",
                "Cache-Control: max-age=0",
            ],
        ),
        &resp,
        900,
    );
    k.ack(end + DELACK, C);

    // 5. A weak validator W/"..." (the same content, maybe not the same
    // bytes, e.g. compressed differently) with max-age and Expires.
    let t = end + 500_000;
    let mut js = b"\"use strict\";\n".to_vec();
    let mut i = 0;
    while js.len() < 1009 {
        js.extend(format!("function f{i}(x) {{ return x * {i} + 1; }}\n").bytes());
        i += 1;
    }
    js.truncate(1008);
    js.push(b'\n');
    let d = date(t + RTT);
    let expires = format!("Expires: {}", http_date(t + RTT + 600_000_000));
    let wtag = "ETag: W/\"3f1-19a2b\"";
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/javascript",
            &cl(js.len()),
            "Connection: keep-alive",
            wtag,
            &expires,
            "Cache-Control: public, max-age=600",
        ],
        &js,
    );
    let end = exchange(&mut k, t, &get("/app.js", JS, &[]), &resp, 600);
    k.ack(end + DELACK, C);

    // 6. If-None-Match with the weak tag: weak comparison matches, 304.
    let t = end + 2_500_000;
    let d = date(t + RTT);
    let expires = format!("Expires: {}", http_date(t + RTT + 600_000_000));
    let resp = response(
        "304 Not Modified",
        &[
            SERVER,
            &d,
            "Connection: keep-alive",
            wtag,
            &expires,
            "Cache-Control: public, max-age=600",
        ],
        b"",
    );
    let end = exchange(
        &mut k,
        t,
        &get(
            "/app.js",
            JS,
            &["If-None-Match: W/\"3f1-19a2b\"", "Cache-Control: max-age=0"],
        ),
        &resp,
        350,
    );
    k.ack(end + DELACK, C);

    // The browser closes the idle connection.
    let t = end + 10_000_000;
    k.fin(t, C);
    k.fin(t + RTT, S);
    k.ack(t + RTT + 60, C);
    k.frames
}

/// http-pipelining.pcap: three GETs sent without waiting (two in one
/// segment, the third in the next); the first answer takes 300 ms to
/// compute and the two others, ready at once, wait behind it
/// (head-of-line blocking); they come back in order.
pub fn pipelining() -> Vec<Frame> {
    let mut k = Conn::new(
        host(47310, 0x2222_4f91, 880_000_000),
        remote(WEB, 80, 0x5a5a_0c3e, 1_770_000_000),
    );
    let t = k.open(0, RTT);
    let mut two = curl("GET", "/report?year=2025", &[]);
    two.extend(curl("GET", "/static/a.css", &[]));
    push(&mut k, t + 80, C, &two);
    push(&mut k, t + 210, C, &curl("GET", "/static/b.js", &[]));
    // The server's delayed ACK: nothing to send yet.
    k.ack(t + 80 + RTT + DELACK, S);
    let mut report = String::from("year,month,requests,bytes\n");
    for m in 1..=12 {
        report.push_str(&format!(
            "2025,{m:02},{},{}\n",
            180_000 + m * 7_919,
            9_000_000_000u64 + m as u64 * 104_729
        ));
    }
    let at = t + 80 + RTT + 300_000;
    let d = date(at);
    let r1 = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/csv",
            &cl(report.len()),
            "Connection: keep-alive",
        ],
        report.as_bytes(),
    );
    push(&mut k, at, S, &r1);
    let a = css(400);
    let b = b"document.addEventListener('DOMContentLoaded', () => { document.body.classList.add('ready'); });\n";
    let mut r23 = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/css",
            &cl(a.len()),
            "Last-Modified: Mon, 29 Dec 2025 16:40:02 GMT",
            "Connection: keep-alive",
            "ETag: \"6952b002-190\"",
        ],
        &a,
    );
    r23.extend(response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/javascript",
            &cl(b.len()),
            "Last-Modified: Mon, 29 Dec 2025 16:40:02 GMT",
            "Connection: keep-alive",
            "ETag: \"6952b002-61\"",
        ],
        b,
    ));
    push(&mut k, at + 90, S, &r23);
    k.ack(at + 120, C);
    k.fin(at + 3_000_000, C);
    k.fin(at + 3_000_000 + RTT, S);
    k.ack(at + 3_000_000 + RTT + 50, C);
    k.frames
}

/// http-cors.pcap: a page from http://app.example.org calls
/// api.example.com: a preflight OPTIONS for a PUT with an Authorization
/// header, the answer allowing it, the PUT itself; then a simple GET that
/// needs no preflight.
pub fn cors() -> Vec<Frame> {
    let mut k = Conn::new(
        host(49822, 0x6d11_a0f7, 3_020_000_000),
        remote(API, 80, 0x0f0f_7731, 422_000_000),
    );
    let t = k.open(0, RTT);
    let common = ["Host: api.example.com", FIREFOX];
    const ORIGIN: &str = "Origin: http://app.example.org";
    let tail = [
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Encoding: gzip, deflate",
        "Referer: http://app.example.org/",
        ORIGIN,
        "Connection: keep-alive",
    ];

    // 1-2. The preflight and its answer.
    let mut h: Vec<&str> = common.to_vec();
    h.push("Accept: */*");
    h.extend([
        "Access-Control-Request-Method: PUT",
        "Access-Control-Request-Headers: authorization,content-type",
    ]);
    h.extend(tail);
    h.extend([
        "Sec-Fetch-Mode: cors",
        "Sec-Fetch-Site: cross-site",
        "Sec-Fetch-Dest: empty",
    ]);
    let pre = request("OPTIONS", "/v1/items/42", &h, b"");
    let d = date(t + RTT);
    let resp = response(
        "204 No Content",
        &[
            SERVER,
            &d,
            "Connection: keep-alive",
            "Access-Control-Allow-Origin: http://app.example.org",
            "Access-Control-Allow-Methods: GET, PUT, DELETE, OPTIONS",
            "Access-Control-Allow-Headers: Authorization, Content-Type",
            "Access-Control-Max-Age: 86400",
            "Vary: Origin",
        ],
        b"",
    );
    let end = exchange(&mut k, t + 150, &pre, &resp, 700);

    // 3-4. The real request, allowed.
    let body = br#"{"name":"Blue mug","qty":3,"price":12.5}"#;
    let clen = cl(body.len());
    let mut h: Vec<&str> = common.to_vec();
    h.push("Accept: application/json");
    h.extend([
        "Content-Type: application/json",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
        &clen,
    ]);
    h.extend(tail);
    h.extend([
        "Sec-Fetch-Mode: cors",
        "Sec-Fetch-Site: cross-site",
        "Sec-Fetch-Dest: empty",
    ]);
    let put = request("PUT", "/v1/items/42", &h, body);
    let out = br#"{"id":42,"name":"Blue mug","qty":3,"price":12.5,"updated":"2026-01-01T00:00:01Z"}"#;
    let d = date(end + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/json",
            &cl(out.len()),
            "Connection: keep-alive",
            "ETag: \"a7c3-2\"",
            "Access-Control-Allow-Origin: http://app.example.org",
            "Access-Control-Expose-Headers: ETag",
            "Vary: Origin",
        ],
        out,
    );
    let end = exchange(&mut k, end + 600, &put, &resp, 8_300);
    k.ack(end + DELACK, C);

    // 5-6. A simple request (GET, no custom headers): no preflight; the
    // public endpoint allows any origin.
    let mut h: Vec<&str> = common.to_vec();
    h.push("Accept: application/json");
    h.extend(tail);
    h.extend([
        "Sec-Fetch-Mode: cors",
        "Sec-Fetch-Site: cross-site",
        "Sec-Fetch-Dest: empty",
    ]);
    let get = request("GET", "/v1/items?limit=2", &h, b"");
    let out =
        br#"{"items":[{"id":41,"name":"Red mug"},{"id":42,"name":"Blue mug"}],"next":"/v1/items?limit=2&after=42"}"#;
    let t = end + 1_500_000;
    let d = date(t + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: application/json",
            &cl(out.len()),
            "Connection: keep-alive",
            "Access-Control-Allow-Origin: *",
        ],
        out,
    );
    let end = exchange(&mut k, t, &get, &resp, 3_100);
    k.ack(end + DELACK, C);
    let t = end + 6_000_000;
    k.fin(t, C);
    k.fin(t + RTT, S);
    k.ack(t + RTT + 60, C);
    k.frames
}

/// http-polling.pcap: short polling (the same GET every 2 s, five times,
/// mostly "204 nothing new") on one connection, then long polling on
/// another (the server holds each GET about 25 s before answering).
pub fn polling() -> Vec<Frame> {
    let poll = |path: &str| {
        request(
            "GET",
            path,
            &[
                "Host: www.example.com",
                FIREFOX,
                "Accept: application/json",
                "Connection: keep-alive",
                "Referer: http://www.example.com/inbox",
            ],
            b"",
        )
    };
    // Short polling.
    let mut k = Conn::new(
        host(50110, 0x3141_5926, 1_111_000_000),
        remote(WEB, 80, 0x2718_2818, 2_222_000_000),
    );
    let t0 = k.open(0, RTT);
    for i in 0..5u64 {
        let at = t0 + 200 + i * 2_000_000;
        let d = date(at + RTT);
        let resp = if i == 3 {
            let body = br#"{"messages":[{"id":118,"from":"bob","text":"lunch?"}],"since":118}"#;
            response(
                "200 OK",
                &[
                    SERVER,
                    &d,
                    "Content-Type: application/json",
                    &cl(body.len()),
                    "Connection: keep-alive",
                    "Cache-Control: no-store",
                ],
                body,
            )
        } else {
            response(
                "204 No Content",
                &[SERVER, &d, "Connection: keep-alive", "Cache-Control: no-store"],
                b"",
            )
        };
        let since = if i > 3 { 118 } else { 117 };
        let end = exchange(
            &mut k,
            at,
            &poll(&format!("/api/poll?since={since}")),
            &resp,
            1_500 + i * 130,
        );
        k.ack(end + DELACK, C);
    }
    let close = t0 + 200 + 9_000_000;
    k.fin(close, C);
    k.fin(close + RTT, S);
    k.ack(close + RTT + 60, C);

    // Long polling.
    let mut l = Conn::new(
        host(50112, 0x1618_0339, 1_111_012_000),
        remote(WEB, 80, 0x1414_2135, 2_222_012_000),
    );
    let t = l.open(12_000_000, RTT);
    let at = t + 150;
    let end = exchange(
        &mut l,
        at,
        &poll("/api/events?cursor=118"),
        &{
            let body = br#"{"events":[{"id":119,"type":"message","from":"carol","text":"see you at 1"}],"cursor":119}"#;
            let d = date(at + RTT + 24_600_000);
            response(
                "200 OK",
                &[
                    SERVER,
                    &d,
                    "Content-Type: application/json",
                    &cl(body.len()),
                    "Connection: keep-alive",
                    "Cache-Control: no-store",
                ],
                body,
            )
        },
        24_600_000,
    );
    // The browser asks again at once (its ACK rides on the new request).
    let at = end + 900;
    let d = date(at + RTT + 25_000_000);
    let resp = response(
        "204 No Content",
        &[SERVER, &d, "Connection: keep-alive", "Cache-Control: no-store"],
        b"",
    );
    let end = exchange(&mut l, at, &poll("/api/events?cursor=119"), &resp, 25_000_000);
    l.ack(end + DELACK, C);
    // The page is closed.
    let close = end + 1_200_000;
    l.fin(close, C);
    l.fin(close + RTT, S);
    l.ack(close + RTT + 60, C);
    Conn::merge(vec![k, l])
}

/// http-sse.pcap: Server-Sent Events: one GET, one never-ending chunked
/// text/event-stream answer whose events arrive over 11 seconds.
pub fn sse() -> Vec<Frame> {
    let mut k = Conn::new(
        host(51990, 0x5ee5_0001, 404_000_000),
        remote(WEB, 80, 0x0e0e_5511, 3_303_000_000),
    );
    let t = k.open(0, RTT);
    let req = request(
        "GET",
        "/quotes/stream",
        &[
            "Host: www.example.com",
            FIREFOX,
            "Accept: text/event-stream",
            "Accept-Language: en-US,en;q=0.5",
            "Accept-Encoding: gzip, deflate",
            "Referer: http://www.example.com/quotes",
            "Connection: keep-alive",
            "Pragma: no-cache",
            "Cache-Control: no-cache",
        ],
        b"",
    );
    write(&mut k, t + 120, C, &req, 120);
    let at = t + 120 + RTT + 900;
    let d = date(at);
    let mut first = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/event-stream",
            "Transfer-Encoding: chunked",
            "Connection: keep-alive",
            "Cache-Control: no-cache",
            "X-Accel-Buffering: no",
        ],
        b"",
    );
    first.extend(chunk(b": stream opened\n\nretry: 3000\n\n", ""));
    push(&mut k, at, S, &first);
    k.ack(at + DELACK, C);
    let events: Vec<(u64, &[u8])> = vec![
        (1_000_000, b"id: 1\nevent: price\ndata: {\"symbol\":\"EXMPL\",\"price\":101.25}\n\n"),
        (2_500_000, b"id: 2\nevent: price\ndata: {\"symbol\":\"EXMPL\",\"price\":101.31}\n\n"),
        (3_100_000, b"id: 3\ndata: Trading note: the market\ndata: reopens at 14:30 after\ndata: a scheduled pause.\n\n"),
        (5_000_000, b": keep-alive\n\n"),
        // An event cut in two chunks, 40 ms apart.
        (6_200_000, b"id: 4\nevent: price\nda"),
        (6_230_000, b"ta: {\"symbol\":\"EXMPL\",\"price\":100.98}\n\n"),
        // Two events in one chunk.
        (8_000_000, b"id: 5\nevent: alert\ndata: {\"level\":\"warning\",\"text\":\"volatility\"}\n\nid: 6\nevent: price\ndata: {\"symbol\":\"EXMPL\",\"price\":99.40}\n\n"),
        (10_000_000, b": keep-alive\n\n"),
        (11_000_000, b"event: end\ndata: session over\n\n"),
    ];
    for (i, (dt, ev)) in events.iter().enumerate() {
        let mut c = chunk(ev, "");
        if *dt == 11_000_000 {
            c.extend(last_chunk(&[]));
        }
        push(&mut k, at + dt, S, &c);
        // The delayed ACK, unless more data comes first.
        if events.get(i + 1).is_none_or(|(next, _)| next - dt > DELACK) {
            k.ack(at + dt + DELACK, C);
        }
    }
    let t = at + 12_000_000;
    k.fin(t, C);
    k.fin(t + RTT, S);
    k.ack(t + RTT + 60, C);
    k.frames
}

/// http-large-body.pcap: a 210 000-byte download: slow start (10, 20,
/// 40... segments a round trip), one segment lost before the capture
/// point, duplicate ACKs with SACK, the fast retransmission arriving out
/// of order, the rest of the transfer.
pub fn large_body() -> Vec<Frame> {
    let mut k = Conn::new(
        host(52777, 0x4c4f_4e47, 1_500_500_000),
        remote(WEB, 80, 0x0b0d_1e55, 2_600_000_000),
    );
    let t = k.open(0, RTT);
    let req = curl("GET", "/files/measurements.csv", &[]);
    write(&mut k, t + 90, C, &req, 120);
    let mut body = String::from("timestamp,sensor,temperature_c,humidity_pct\n");
    let mut i = 0u32;
    while body.len() < 210_000 {
        body.push_str(&format!(
            "2025-12-31T{:02}:{:02}:{:02}Z,s{:02},{}.{},{}\n",
            i / 3600 % 24,
            i / 60 % 60,
            i % 60,
            i % 16,
            18 + i % 9,
            i * 7 % 10,
            40 + i % 23
        ));
        i += 1;
    }
    body.truncate(210_000);
    let d = date(t + 90 + RTT);
    let resp = response(
        "200 OK",
        &[
            SERVER,
            &d,
            "Content-Type: text/csv",
            &cl(body.len()),
            "Last-Modified: Wed, 31 Dec 2025 23:59:59 GMT",
            "Connection: keep-alive",
            "ETag: \"6955b7ff-33450\"",
            "Accept-Ranges: bytes",
        ],
        body.as_bytes(),
    );
    let segs: Vec<&[u8]> = resp.chunks(SEG).collect();
    let n = segs.len();
    const LOST: usize = 14;
    let mut cwnd = 10usize;
    let mut i = 0;
    let mut round = t + 90 + RTT + 700;
    while i < n {
        let end = (i + cwnd).min(n);
        let mut lost = None;
        let mut dups = 0;
        let mut third_dup = 0;
        let mut unacked = 0;
        let mut last = round;
        for (j, seg) in segs.iter().enumerate().take(end).skip(i) {
            let at = round + (j - i) as u64 * 120;
            last = at;
            let tx = k.tx(at, S).data(seg);
            let tx = if j + 1 == n { tx.flags(PSH | ACK) } else { tx };
            if j == LOST {
                lost = Some(tx.dropped().send());
                continue;
            }
            tx.send();
            if lost.is_some() {
                // Every segment after the hole: an immediate duplicate ACK with SACK.
                k.ack(at + 20, C);
                last = at + 20;
                dups += 1;
                if dups == 3 {
                    third_dup = at + 20;
                }
            } else {
                unacked += 1;
                if unacked == 2 || j + 1 == n {
                    k.ack(at + 30, C);
                    last = at + 30;
                    unacked = 0;
                }
            }
        }
        if let Some(l) = lost {
            // The sender hears the 3rd duplicate ACK half an RTT later and
            // resends the hole; it arrives a full RTT after that ACK left.
            let at = (third_dup + RTT).max(last + 100);
            k.tx(at, S).seq(l.seq).data(segs[LOST]).send();
            k.ack(at + 30, C);
            last = at + 30;
            cwnd = cwnd * 7 / 10;
        } else {
            cwnd *= 2;
        }
        i = end;
        round = (round + RTT).max(last + 150);
    }
    let t = round + 400_000;
    k.fin(t, C);
    k.fin(t + RTT, S);
    k.ack(t + RTT + 60, C);
    k.frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_body_file_has_one_retransmission() {
        let f = large_body();
        assert!(f.len() > 200, "{}", f.len());
    }

    #[test]
    fn time_goes_forward() {
        for f in [
            keepalive(),
            caching(),
            pipelining(),
            cors(),
            polling(),
            sse(),
            large_body(),
        ] {
            assert!(f.windows(2).all(|w| w[0].us <= w[1].us));
        }
    }
}
