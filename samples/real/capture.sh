#!/usr/bin/env bash
# Real programs' traffic for wirelens's application-layer proof (issue 4).
#
#   sudo samples/real/capture.sh [OUTDIR]     (default: this script's folder)
#
# Creates two network namespaces joined by a veth pair (10.77.0.1/24 for
# the server side, 10.77.0.2/24 for the client side), starts nginx,
# dnsmasq and ws_server.py in the server namespace, runs curl, dig and
# ws_client.py in the client namespace, and captures on the server's veth
# with tcpdump (-s 0, classic pcap) into dns-real.pcap, http-real.pcap,
# websocket-real.pcap and sse-real.pcap. Touches no other interface; the
# trap removes the namespaces (and so the veth pair) and stops every
# process it started. Idempotent: leftovers of an interrupted run are
# removed first. Needs root, iproute2, ethtool, tcpdump, nginx, dnsmasq,
# curl, dig, python3.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
SRV=wl-real-srv
CLI=wl-real-cli
VS=wl-veth-s
VC=wl-veth-c
S_IP=10.77.0.1
C_IP=10.77.0.2

[ "$(id -u)" = 0 ] || { echo "capture.sh: run as root" >&2; exit 1; }
for t in ip ethtool tcpdump nginx dnsmasq curl dig python3; do
    command -v "$t" >/dev/null || { echo "capture.sh: $t is missing" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/wl-real.XXXXXX)
chmod 755 "$WORK"
PIDS=()

# Stops whatever runs in our two namespaces (only there), then deletes
# them; deleting a namespace deletes its end of the veth pair.
drop_namespaces() {
    local ns p
    for ns in "$SRV" "$CLI"; do
        ip netns pids "$ns" >/dev/null 2>&1 || continue
        for p in $(ip netns pids "$ns"); do
            kill "$p" 2>/dev/null || true
        done
        sleep 0.3
        for p in $(ip netns pids "$ns"); do
            kill -9 "$p" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
}

cleanup() {
    set +e
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    drop_namespaces
    rm -rf "$WORK"
}
trap cleanup EXIT

# Leftovers of an interrupted run.
drop_namespaces

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }

# --- network ---------------------------------------------------------------
ip netns add "$SRV"
ip netns add "$CLI"
ip link add "$VS" netns "$SRV" type veth peer name "$VC" netns "$CLI"
in_srv ip addr add "$S_IP/24" dev "$VS"
in_cli ip addr add "$C_IP/24" dev "$VC"
for ns in "$SRV" "$CLI"; do
    ip netns exec "$ns" ip link set lo up
done
in_srv ip link set "$VS" up
in_cli ip link set "$VC" up
# No offloads: the capture then shows the segments as they would be on a
# wire (at most one MSS each, checksums filled in).
in_srv ethtool -K "$VS" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
in_cli ethtool -K "$VC" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
# Some delay on the link (each way), so that round-trip times look like a LAN's.
in_srv tc qdisc add dev "$VS" root netem delay 1ms >/dev/null 2>&1 ||
    echo "capture.sh: no netem here: round-trip times are those of a bare veth (microseconds)" >&2
in_cli tc qdisc add dev "$VC" root netem delay 1ms >/dev/null 2>&1 || true

# --- servers -----------------------------------------------------------------
mkdir -p "$WORK/nginx/html" "$WORK/nginx/tmp"
cp "$HERE/nginx.conf" "$WORK/nginx/nginx.conf"
python3 - "$WORK/nginx/html" <<'PY'
import sys, os
d = sys.argv[1]
para = "".join("<p>Paragraph %d: packets become segments, segments become streams.</p>\n" % i for i in range(1, 40))
open(os.path.join(d, "index.html"), "w").write(
    "<!DOCTYPE html>\n<html>\n<head>\n<title>wirelens real capture</title>\n"
    "<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n" + para + "</body>\n</html>\n")
css = "".join(".c%d { margin: %dpx; padding: %dpx; color: #%06x; }\n" % (i, i % 9, i % 5, (i * 2654435761) & 0xffffff) for i in range(300))
open(os.path.join(d, "style.css"), "w").write(css)
big = "".join("line %05d: the quick brown fox jumps over the lazy dog\n" % i for i in range(1, 1200))
open(os.path.join(d, "big.txt"), "w").write(big)
open(os.path.join(d, "upload.bin"), "wb").write(bytes(range(256)) * 8)
PY
# Fixed modification times: stable Last-Modified and ETag values.
touch -d '2025-12-31 12:00:00 UTC' "$WORK/nginx/html/"*

# Started with ip netns exec directly (not through a shell function) so
# that $! is the server's own process id.
ip netns exec "$SRV" python3 "$HERE/ws_server.py" "$S_IP" 8080 2>"$WORK/ws_server.log" &
PIDS+=($!)
ip netns exec "$SRV" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
ip netns exec "$SRV" dnsmasq --keep-in-foreground --conf-file="$HERE/dnsmasq.conf" \
    --addn-hosts="$HERE/dnsmasq.hosts" --pid-file="$WORK/dnsmasq.pid" --user=root --group=root \
    --log-facility="$WORK/dnsmasq.log" &
PIDS+=($!)

wait_port() { # proto port
    for _ in $(seq 50); do
        if in_srv ss -lnH "-$1" "sport = :$2" | grep -q .; then return 0; fi
        sleep 0.1
    done
    echo "capture.sh: nothing listens on $1 port $2" >&2
    return 1
}
wait_port t 80
wait_port t 8080
wait_port u 53

# --- capture helpers -------------------------------------------------------------
CAP_PID=
CAP_FILE=
CAP_LOG=
start_capture() { # file filter
    CAP_FILE=$1
    rm -f "$OUT/$1"
    CAP_LOG=$WORK/tcpdump-$1.log
    ip netns exec "$SRV" tcpdump -i "$VS" -s 0 -U --immediate-mode -n -Z root -w "$OUT/$1" "$2" 2>"$CAP_LOG" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    # tcpdump says "listening on" once the capture runs.
    for _ in $(seq 50); do
        grep -q "listening on" "$CAP_LOG" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.2
}
stop_capture() {
    # Let tcpdump drain the kernel's buffer before it stops.
    sleep 1
    kill -TERM "$CAP_PID"
    wait "$CAP_PID" || true
    chown --reference="$OUT" "$OUT/$CAP_FILE"
    echo "capture.sh: $CAP_FILE: $(grep -E 'captured|received|dropped' "$CAP_LOG" | tr '\n' ' ')" >&2
    local got seen
    got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$CAP_LOG")
    seen=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$CAP_LOG")
    if [ "$got" != "$seen" ]; then
        echo "capture.sh: $CAP_FILE is incomplete ($got of $seen packets written)" >&2
        exit 1
    fi
}

CURL=(curl -sS --max-time 30)

# --- DNS -------------------------------------------------------------------------
start_capture dns-real.pcap "port 53"
D=(dig @"$S_IP" +tries=1 +time=3)
in_cli "${D[@]}" www.wl.test A >/dev/null
in_cli "${D[@]}" www.wl.test AAAA >/dev/null
in_cli "${D[@]}" lb.wl.test A >/dev/null
sleep 0.3
in_cli "${D[@]}" lb.wl.test A >/dev/null
in_cli "${D[@]}" chain.wl.test A >/dev/null
in_cli "${D[@]}" nosuch.wl.test A >/dev/null
in_cli "${D[@]}" www.example.org A >/dev/null || true
in_cli "${D[@]}" +norecurse www.wl.test A >/dev/null
in_cli "${D[@]}" wl.test MX >/dev/null
in_cli "${D[@]}" wl.test TXT >/dev/null
in_cli "${D[@]}" _sip._tcp.wl.test SRV >/dev/null
# Truncated over UDP: +ignore keeps the truncated answer; the default
# retries over TCP.
in_cli "${D[@]}" +ignore big.wl.test TXT >/dev/null
in_cli "${D[@]}" big.wl.test TXT >/dev/null
# One TCP connection, two queries (dig +keepopen).
in_cli "${D[@]}" +tcp +keepopen www.wl.test A www.wl.test AAAA >/dev/null
stop_capture

# --- HTTP -------------------------------------------------------------------------
start_capture http-real.pcap "tcp port 80"
U=http://$S_IP
MTIME=$(stat -c %Y "$WORK/nginx/html/style.css")
SIZE=$(stat -c %s "$WORK/nginx/html/style.css")
ETAG=$(printf '"%x-%x"' "$MTIME" "$SIZE")
LM=$(date -u -d "@$MTIME" '+%a, %d %b %Y %H:%M:%S GMT')
# One keep-alive connection (curl reuses it across URLs and --next):
# Content-Length, gzip (chunked), a redirect, a 404, a chunked proxied
# answer, HEAD, conditional GETs (304), a CORS preflight and PUT, and last
# a POST with Expect: 100-continue refused with 413, after which nginx
# closes the connection first.
in_cli "${CURL[@]}" -o /dev/null "$U/index.html" -o /dev/null "$U/big.txt" \
    --next --compressed -o /dev/null "$U/style.css" \
    --next -o /dev/null "$U/old" \
    --next -o /dev/null "$U/missing.png" \
    --next -o /dev/null "$U/chunked" \
    --next -I -o /dev/null "$U/big.txt" \
    --next -o /dev/null -H "If-None-Match: $ETAG" "$U/style.css" \
    --next -o /dev/null -H "If-Modified-Since: $LM" "$U/index.html" \
    --next -o /dev/null -X OPTIONS -H "Origin: http://app.wl.test" \
        -H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type" "$U/api/items" \
    --next -o /dev/null -X PUT -H "Origin: http://app.wl.test" -H "Content-Type: application/json" \
        --data-binary '{"qty":3}' "$U/api/items" \
    --next -o /dev/null -H "Origin: http://app.wl.test" "$U/api/items" \
    --next -o /dev/null -H "Expect: 100-continue" -H "Content-Type: application/octet-stream" \
        --data-binary "@$WORK/nginx/html/upload.bin" "$U/upload"
# A second connection that the client closes (curl's default).
in_cli "${CURL[@]}" -o /dev/null "$U/index.html"
stop_capture

# --- WebSocket --------------------------------------------------------------------
start_capture websocket-real.pcap "tcp port 8080"
in_cli python3 "$HERE/ws_client.py" "$S_IP" 8080
in_cli python3 "$HERE/ws_client.py" "$S_IP" 8080 --deflate
stop_capture

# --- SSE and long polling ---------------------------------------------------------
start_capture sse-real.pcap "tcp port 8080"
in_cli "${CURL[@]}" -N -H "Accept: text/event-stream" -o /dev/null "http://$S_IP:8080/events"
# Long polling: each request held 3 s by the server, asked again at once.
in_cli "${CURL[@]}" -o /dev/null "http://$S_IP:8080/poll?hold=3" --next -o /dev/null "http://$S_IP:8080/poll?hold=3"
stop_capture

ls -l "$OUT"/{dns,http,websocket,sse}-real.pcap
