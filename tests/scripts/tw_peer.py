#!/usr/bin/env python3
"""Both ends of the TCP connections for tests/kernel_timewait.rs.

  tw_peer.py server ADDR PORT DEV SYNCDIR N   (run inside namespace B)
  tw_peer.py client ADDR PORT SYNCDIR PLAN    (run inside namespace A)

PLAN is a comma-separated list of CLIENTPORT:MODE, MODE one of
  client-first  the client closes first (after reading the whole reply)
  server-first  the server closes right after sending its reply
  simultaneous  both send FIN before receiving the other's

The client sends "MODE\\n" so the server knows what to do. Sockets keep the
default SO_LINGER (a normal FIN close, never a RST).

Simultaneous close needs the two FINs in flight at once, which veth (a few
microseconds of delay) does not give, and netem is often not built. For that
connection the server puts a slow token bucket (tbf, 160 kbit/s, 1600-byte
burst) on its veth, sends 4000 bytes, then its FIN: the FIN waits in the
qdisc for ~120 ms, already built with the old ACK number, while the client
(told through a file in SYNCDIR, not the network) sends its own FIN. Each FIN
then arrives at a socket in FIN-WAIT-1: CLOSING, then TIME-WAIT on both
sides, and on the wire neither FIN acknowledges the other. The wait stays
under Linux's 200 ms minimum RTO, so nothing is retransmitted. Dropping and
retransmitting FINs would not do: a retransmitted FIN carries the current
ACK, which covers the peer's FIN, and looks like a plain passive close.

The server prints READY once listening and one line per connection handled;
the client prints one line per connection: "PORT MODE ok" or an error.
"""

import os
import socket
import subprocess
import sys
import time

REPLY = b"reply from the server\n"
SIM_DATA = 4000  # > the tbf burst, so the FIN queues behind the data
TIMEOUT = 5.0


def log(*a):
    print(*a, flush=True)


def wait_file(path, timeout=TIMEOUT):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise TimeoutError("no " + path)
        time.sleep(0.002)


def touch(path):
    with open(path + ".tmp", "w") as f:
        f.write("1")
    os.rename(path + ".tmp", path)


def read_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(100)
        if not d:
            break
        buf += d
    return buf.decode().strip()


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError("EOF after %d of %d bytes" % (len(buf), n))
        buf += d
    return buf


def read_to_eof(s):
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            return n
        n += len(d)


def server(addr, port, dev, syncdir, count):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    ls.settimeout(15)
    log("READY")
    for _ in range(count):
        s, peer = ls.accept()
        s.settimeout(TIMEOUT)
        mode = read_line(s)
        if mode == "client-first":
            s.sendall(REPLY)
            read_to_eof(s)  # the client's FIN
            s.close()
        elif mode == "server-first":
            s.sendall(REPLY)
            s.close()
        elif mode == "simultaneous":
            subprocess.run(
                ["tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", "160kbit", "burst", "1600", "latency", "5s"],
                check=True,
            )
            s.sendall(b"x" * SIM_DATA)
            s.shutdown(socket.SHUT_WR)  # FIN queued in the tbf behind the data
            touch(os.path.join(syncdir, "server-fin-%d" % peer[1]))
            read_to_eof(s)
            s.close()
        else:
            log("bad mode %r from %s" % (mode, peer))
            s.close()
            continue
        log("%d %s served" % (peer[1], mode))


def client(addr, port, syncdir, plan):
    for item in plan.split(","):
        cport, mode = item.split(":")
        cport = int(cport)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(TIMEOUT)
            s.bind(("", cport))
            s.connect((addr, port))
            s.sendall(mode.encode() + b"\n")
            if mode == "client-first":
                read_exact(s, len(REPLY))
                s.close()
            elif mode == "server-first":
                read_exact(s, len(REPLY))
                read_to_eof(s)  # the server's FIN first
                s.close()
            elif mode == "simultaneous":
                wait_file(os.path.join(syncdir, "server-fin-%d" % cport))
                s.shutdown(socket.SHUT_WR)  # the server's FIN is still in its qdisc
                got = read_to_eof(s)
                s.close()
                if got != SIM_DATA:
                    raise EOFError("got %d of %d bytes" % (got, SIM_DATA))
            log("%d %s ok" % (cport, mode))
        except Exception as e:  # noqa: BLE001 - reported to the test
            log("%d %s error: %r" % (cport, mode, e))


def main():
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])


if __name__ == "__main__":
    main()
