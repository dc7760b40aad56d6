#!/usr/bin/env bash
# Live capture rate: replays a capture at full speed (tcpreplay --topspeed)
# into one end of a veth pair inside two network namespaces this script
# creates, while wirelens sniff, tcpdump -w and tshark -w capture the other
# end, one after the other on the same replay. For each tool it prints the
# packets replayed, the replay rate, what the tool captured and what the
# kernel dropped; then, with --ladder, it looks for the highest rate each
# tool captures without a drop (tcpreplay --pps steps).
#
# Needs root, iproute2, tcpreplay, tcpdump, tshark. Cleans up on exit.
# Usage: sudo benches/live.sh [CAPTURE] [--ladder]
#   CAPTURE defaults to /work/bench-data/mix_mid.pcap.
#   WIRELENS=path/to/wirelens (default target/release/wirelens).
#   LOOP=N replays the capture N times (longer than wirelens's 256 MiB queue
#   can absorb: what is measured is then the sustained rate).
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:-/work/bench-data/mix_mid.pcap}
ladder=${2:-}
wl=${WIRELENS:-target/release/wirelens}
[ "$(id -u)" = 0 ] || { echo "live.sh: needs root (network namespaces)"; exit 1; }
[ -r "$cap" ] || { echo "live.sh: no capture $cap (see benches/README.md)"; exit 1; }
for t in ip tcpreplay tcpdump tshark; do command -v $t >/dev/null || { echo "live.sh: $t missing: apt-get install -y $t"; exit 1; }; done
[ -x "$wl" ] || cargo build --release
A=wl-bench-a-$$; B=wl-bench-b-$$
tmp=$(mktemp -d); chmod 777 "$tmp"
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$A"; ip netns add "$B"
ip -n "$A" link add va type veth peer name vb netns "$B"
ip -n "$A" link set va up; ip -n "$B" link set vb up
# Large MTU: the replayed capture may hold frames bigger than 1500 bytes.
ip -n "$A" link set va mtu 9000; ip -n "$B" link set vb mtu 9000
loop=${LOOP:-1}
npk=$(( $(tcpdump -nr "$cap" 2>/dev/null | wc -l) * loop ))
echo "capture: $cap ($npk packets replayed, $loop time(s))"

# run TOOL PPS: start TOOL on va, replay into vb, stop TOOL; prints one row.
run() {
  local tool=$1 pps=$2 out="$tmp/out-$1.pcap" log="$tmp/log-$1.txt" rate
  rm -f "$out"
  case $tool in
    wirelens) ip netns exec "$A" "$wl" sniff -i va --no-tui -w "$out" --user nobody >/dev/null 2>"$log" & ;;
    tcpdump) ip netns exec "$A" tcpdump -i va -s 0 -B 32768 -Z root -w "$out" 2>"$log" & ;;
    tshark) ip netns exec "$A" tshark -i va -B 32 -w "$out" -q 2>"$log" & ;;
  esac
  local pid=$!
  sleep 2
  if [ "$pps" = top ]; then rate=--topspeed; else rate="--pps=$pps"; fi
  local rep; rep=$(ip netns exec "$B" tcpreplay -q -i vb --loop="$loop" $rate "$cap" 2>&1 | grep -E "Actual|Rated" | tr '\n' ' ')
  sleep 2
  kill -INT $pid; wait $pid 2>/dev/null || true
  local got; got=$(tcpdump -nr "$out" 2>/dev/null | wc -l)
  local drop
  case $tool in
    wirelens) drop=$(grep -oE "kernel: [0-9]+ received by filter, [0-9]+ dropped, [0-9]+ dropped by the interface; [0-9]+ dropped because" "$log" | awk '{print $6"+"$8"+"$13}' || true) ;;
    tcpdump) drop=$(grep -oE "[0-9]+ packets dropped by kernel" "$log" | awk '{print $1}' || true) ;;
    tshark) drop=$(grep -oE "[0-9]+ packets dropped" "$log" | head -1 | awk '{print $1}' || true); drop=${drop:-0} ;;
  esac
  printf "%-9s %-9s captured %8s/%s  dropped %-12s %s\n" "$tool" "$pps" "$got" "$npk" "$drop" "$rep"
  echo "$got"
}

echo "== --topspeed"
for t in wirelens tcpdump tshark; do run $t top | head -1; done
if [ "$ladder" = --ladder ]; then
  echo "== highest --pps without a drop (steps)"
  for t in wirelens tcpdump tshark; do
    best=0
    for pps in 50000 100000 200000 300000 400000 600000 800000; do
      line=$(run $t $pps); row=$(echo "$line" | head -1); got=$(echo "$line" | tail -1)
      echo "$row"
      if [ "$got" -ge "$npk" ]; then best=$pps; else break; fi
    done
    echo "$t: highest drop-free rate tried: $best pps"
  done
fi
