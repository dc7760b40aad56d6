#!/usr/bin/env python3
"""A WebSocket client for the real captures (python3 standard library
only), RFC 6455: opening handshake (checks Sec-WebSocket-Accept), masked
frames with 7-, 16- and 64-bit lengths, a fragmented message, a ping, the
closing handshake (the client sends close 1000 and waits for the server to
close TCP first).

    ws_client.py HOST PORT [--deflate]
"""

import base64
import hashlib
import os
import socket
import struct
import sys
import time
import zlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed")
        buf += chunk
    return buf


def read_frame(sock):
    b1, b2 = recv_exact(sock, 2)
    n = b2 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", recv_exact(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", recv_exact(sock, 8))
    if b2 & 0x80:
        raise ValueError("the server masked a frame")
    return b1 & 0x80 != 0, b1 & 0x40 != 0, b1 & 0x0F, recv_exact(sock, n)


def masked(opcode, data, fin=True, rsv1=False):
    head = bytes([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    n = len(data)
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xFFFF:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(data))


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    deflate = "--deflate" in sys.argv
    sock = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: echo\r\n"
        "Origin: http://www.wl.test\r\n"
    )
    if deflate:
        req += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    sock.sendall((req + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), lines[0]
    got = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-accept:")]
    assert got == [want], (got, want)
    comp = zlib.compressobj(6, zlib.DEFLATED, -15) if deflate else None
    decomp = zlib.decompressobj(-15) if deflate else None

    def send(opcode, data, fin=True):
        if comp and opcode in (1, 2):
            data = (comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH))[:-4]
            sock.sendall(masked(opcode, data, fin, rsv1=True))
        else:
            sock.sendall(masked(opcode, data, fin))

    def expect(opcodes):
        while True:
            fin, rsv1, op, data = read_frame(sock)
            if op == 0x9:  # the server's ping: answer it
                sock.sendall(masked(0xA, data))
                continue
            if rsv1 and decomp:
                data = decomp.decompress(data + b"\x00\x00\xff\xff")
            assert op in opcodes, (op, opcodes)
            return op, data

    send(0x1, b"hello over a real socket")
    expect((1,))
    send(0x1, ("a 300-byte message " * 16)[:300].encode())
    expect((1,))
    if not deflate:
        send(0x2, os.urandom(70000))  # 64-bit length form
        expect((2,))
        # A fragmented text message: text (FIN=0), continuation, continuation (FIN=1).
        sock.sendall(masked(0x1, b"one, ", fin=False))
        time.sleep(0.05)
        sock.sendall(masked(0x0, b"two, ", fin=False))
        time.sleep(0.05)
        sock.sendall(masked(0x0, b"three"))
        _, data = expect((1,))
        assert data == b"one, two, three", data
    else:
        for i in range(4):
            send(0x1, ('{"type":"quote","symbol":"WL","price":%d.%02d}' % (100 + i, i * 7)).encode())
            expect((1,))
    t0 = time.monotonic()
    sock.sendall(masked(0x9, b"rtt"))
    expect((0xA,))
    print("ws_client: ping rtt %.3f ms" % ((time.monotonic() - t0) * 1000), file=sys.stderr)
    sock.sendall(masked(0x8, struct.pack("!H", 1000) + b"done"))
    op, data = expect((0x8,))
    # Wait for the server to close TCP first, then close ours.
    while sock.recv(4096):
        pass
    sock.close()
    print("ws_client: closed with", struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None, file=sys.stderr)


if __name__ == "__main__":
    main()
