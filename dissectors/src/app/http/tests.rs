use super::*;
use crate::tree::Tree;

fn fields(t: &Tree, data: &[u8], name: &str) -> Vec<String> {
    t.find(name)
        .map(|(id, _)| {
            let mut s = String::new();
            if let Some(n) = t.node(id) {
                t.write_field(&mut s, n, data);
            }
            s
        })
        .collect()
}

fn text(t: &Tree, data: &[u8]) -> String {
    let mut s = String::new();
    t.render_text(&mut s, data);
    s
}

#[test]
fn request_tree_like_tshark() {
    let d = b"GET /download/x.txt?a=1&b=2 HTTP/1.1\r\nUser-Agent: Wget/1.14\r\nAccept: */*\r\nHost: bro.org\r\nConnection: Keep-Alive\r\nX-Odd: 1\r\n\r\n";
    let mut t = Tree::new();
    tree(&mut t, d, 0);
    assert_eq!(fields(&t, d, "http.request.method"), ["GET"]);
    assert_eq!(fields(&t, d, "http.request.uri"), ["/download/x.txt?a=1&b=2"]);
    assert_eq!(fields(&t, d, "http.request.uri.query.parameter"), ["a=1", "b=2"]);
    assert_eq!(fields(&t, d, "http.request.version"), ["HTTP/1.1"]);
    assert_eq!(fields(&t, d, "http.host"), ["bro.org"]);
    assert_eq!(fields(&t, d, "http.user_agent"), ["Wget/1.14"]);
    assert_eq!(
        fields(&t, d, "http.request.full_uri"),
        ["http://bro.org/download/x.txt?a=1&b=2"]
    );
    assert_eq!(fields(&t, d, "http.request.line").len(), 5);
    assert_eq!(fields(&t, d, "http.request.line")[0], "User-Agent: Wget/1.14\\r\\n");
    let txt = text(&t, d);
    assert!(txt.contains("    User-Agent: Wget/1.14\\r\\n\n"), "{txt}");
    assert!(txt.contains("    X-Odd: 1\\r\\n\n"), "{txt}");
    assert!(txt.contains("        Request Method: GET\n"), "{txt}");
    let mut i = String::new();
    info(d, &mut i);
    assert_eq!(i, "GET /download/x.txt?a=1&b=2 HTTP/1.1 ");
}

#[test]
fn response_with_length_and_type() {
    let d = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello";
    let mut t = Tree::new();
    tree(&mut t, d, 0);
    assert_eq!(fields(&t, d, "http.response.code"), ["200"]);
    assert_eq!(fields(&t, d, "http.response.code.desc"), ["OK"]);
    assert_eq!(fields(&t, d, "http.response.phrase"), ["OK"]);
    assert_eq!(fields(&t, d, "http.content_length_header"), ["5"]);
    assert_eq!(fields(&t, d, "http.content_length"), ["5"]);
    assert_eq!(fields(&t, d, "http.file_data"), ["hello"]);
    let mut i = String::new();
    info(d, &mut i);
    assert_eq!(i, "HTTP/1.1 200 OK  (text/plain)");
    let d = b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
    let mut i = String::new();
    info(d, &mut i);
    assert_eq!(i, "HTTP/1.1 304 Not Modified ");
    let d = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}";
    let mut i = String::new();
    info(d, &mut i);
    assert_eq!(i, "HTTP/1.1 200 OK , JavaScript Object Notation (application/json)");
}

#[test]
fn chunked_gzip_body_sources() {
    use std::io::Write;
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    g.write_all(b"<html>hi</html>").unwrap();
    let gz = g.finish().unwrap();
    let mut d = b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    let (a, b) = gz.split_at(10);
    d.extend_from_slice(format!("{:x}\r\n", a.len()).as_bytes());
    d.extend_from_slice(a);
    d.extend_from_slice(format!("\r\n{:x};name=v\r\n", b.len()).as_bytes());
    d.extend_from_slice(b);
    d.extend_from_slice(b"\r\n0\r\nX-T: 1\r\n\r\n");
    let mut t = Tree::new();
    tree(&mut t, &d, 0);
    assert_eq!(fields(&t, &d, "http.chunk_size"), ["10", &b.len().to_string(), "0"]);
    assert_eq!(fields(&t, &d, "wirelens.http.chunk_extension"), [";name=v"]);
    assert_eq!(fields(&t, &d, "http.chunked_trailer_part"), ["X-T: 1\\r\\n"]);
    assert_eq!(fields(&t, &d, "http.file_data"), ["<html>hi</html>"]);
    let names: Vec<&str> = t.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["De-chunked entity body", "Uncompressed entity body"]);
    let txt = text(&t, &d);
    assert!(
        txt.contains(&format!(
            "Content-encoded entity body (gzip): {} bytes -> 15 bytes",
            gz.len()
        )),
        "{txt}"
    );
    let mut i = String::new();
    info(&d, &mut i);
    assert_eq!(i, "HTTP/1.1 403 Forbidden  (text/html)");
}

#[test]
fn incomplete_and_garbage_never_panic() {
    let d = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    for end in 0..d.len() {
        let mut t = Tree::new();
        tree(&mut t, &d[..end], 0);
        let mut i = String::new();
        info(&d[..end], &mut i);
    }
    let mut t = Tree::new();
    let r = tree(&mut t, b"\x16\x03\x01", 0);
    assert!(t.node(r).is_some());
    let mut i = String::new();
    info(b"\x16\x03", &mut i);
    assert_eq!(i, "Continuation");
}

#[test]
fn sse_event_tree_and_info() {
    let d = b"id: 5\nevent: tick\ndata: {\"n\":1}\nretry: 1000\n: keep\n\n";
    let mut t = Tree::new();
    sse_tree(&mut t, d, 0);
    assert_eq!(fields(&t, d, "wirelens.sse.id"), ["5"]);
    assert_eq!(fields(&t, d, "wirelens.sse.retry"), ["1000"]);
    assert_eq!(fields(&t, d, "wirelens.sse.type"), ["tick"]);
    let mut i = String::new();
    sse_info(d, &mut i);
    assert_eq!(i, "Server-Sent Event: tick, id 5, data: {\"n\":1}");
}
