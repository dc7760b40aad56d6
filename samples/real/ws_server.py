#!/usr/bin/env python3
"""A small HTTP/1.1 server for the real captures (python3 standard library
only): a WebSocket echo endpoint (RFC 6455: handshake, echo of text and
binary messages including fragmented ones, ping/pong, the closing
handshake, optional permessage-deflate), Server-Sent Events and long
polling.

    ws_server.py ADDRESS PORT

GET /ws       WebSocket echo (sends its own ping after the handshake)
GET /events   text/event-stream, chunked, a few events over ~3 s, then ends
GET /poll     long poll: holds the request ?hold=S seconds (default 3),
              then answers a small JSON document
GET /chunked  a chunked text/plain answer in three pieces (for nginx's proxy)
"""

import base64
import hashlib
import json
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_for(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return buf


def read_frame(sock: socket.socket):
    b1, b2 = recv_exact(sock, 2)
    n = b2 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", recv_exact(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", recv_exact(sock, 8))
    if n > 16 * 1024 * 1024:
        raise ValueError("frame too large")
    key = recv_exact(sock, 4) if b2 & 0x80 else None
    data = recv_exact(sock, n)
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return b1 & 0x80 != 0, b1 & 0x40 != 0, b1 & 0x0F, data


def frame(opcode: int, data: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    n = len(data)
    if n < 126:
        head += bytes([n])
    elif n <= 0xFFFF:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wirelens-real/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("ws_server: " + (fmt % args) + "\n")

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            self.websocket()
        elif url.path == "/events":
            self.sse()
        elif url.path == "/poll":
            hold = float(parse_qs(url.query).get("hold", ["3"])[0])
            self.long_poll(min(hold, 30.0))
        elif url.path == "/chunked":
            self.chunked()
        else:
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    # --- chunked helpers -------------------------------------------------
    def chunk(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(3):
            self.chunk(("piece %d of a chunked answer\n" % (i + 1)).encode())
            time.sleep(0.2)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # --- Server-Sent Events ---------------------------------------------
    def sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.chunk(b": hello\n\nretry: 2000\n\n")
        events = [
            b"id: 1\nevent: tick\ndata: {\"n\":1}\n\n",
            b"id: 2\ndata: first line\ndata: second line\n\n",
            b": keep-alive comment\n\n",
            b"id: 3\nevent: tick\ndata: {\"n\":3}\n\n",
            b"event: end\ndata: bye\n\n",
        ]
        for e in events:
            time.sleep(0.6)
            self.chunk(e)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # --- long polling -----------------------------------------------------
    def long_poll(self, hold: float):
        time.sleep(hold)
        body = json.dumps({"events": [{"id": int(time.time()) % 1000, "text": "something happened"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    # --- WebSocket --------------------------------------------------------
    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Sec-WebSocket-Version") != "13" or not key:
            self.send_error(400)
            return
        deflate = "permessage-deflate" in self.headers.get("Sec-WebSocket-Extensions", "")
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_for(key))
        proto = self.headers.get("Sec-WebSocket-Protocol")
        if proto:
            self.send_header("Sec-WebSocket-Protocol", proto.split(",")[0].strip())
        if deflate:
            self.send_header("Sec-WebSocket-Extensions", "permessage-deflate")
        self.end_headers()
        self.wfile.flush()
        sock = self.connection
        # Context takeover: one (de)compressor per direction for the connection.
        comp = zlib.compressobj(6, zlib.DEFLATED, -15) if deflate else None
        decomp = zlib.decompressobj(-15) if deflate else None
        sock.sendall(frame(0x9, b"server-ping"))
        parts, compressed, opcode0 = [], False, 0
        while True:
            try:
                fin, rsv1, opcode, data = read_frame(sock)
            except (ConnectionError, ValueError):
                break
            if opcode == 0x8:
                code = data[:2] if len(data) >= 2 else b""
                sock.sendall(frame(0x8, code))
                # The server closes the TCP connection first (RFC 6455 7.1.1).
                sock.shutdown(socket.SHUT_WR)
                try:
                    while sock.recv(4096):
                        pass
                except OSError:
                    pass
                self.close_connection = True
                return
            if opcode == 0x9:
                sock.sendall(frame(0xA, data))
                continue
            if opcode == 0xA:
                continue
            if opcode in (0x1, 0x2):
                parts, compressed, opcode0 = [data], rsv1, opcode
            elif opcode == 0x0:
                parts.append(data)
            if not fin:
                continue
            msg = b"".join(parts)
            if compressed and decomp:
                msg = decomp.decompress(msg + b"\x00\x00\xff\xff")
            if comp:
                out = comp.compress(msg) + comp.flush(zlib.Z_SYNC_FLUSH)
                sock.sendall(frame(opcode0, out[:-4], rsv1=True))
            else:
                sock.sendall(frame(opcode0, msg))
        self.close_connection = True


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
