#!/bin/bash
# wirelens vs tshark vs tcpdump on capture files: wall time, MB/s, Mpkt/s, peak RSS.
#
#   usage: benches/run.sh [FILE...]
#   env:   REPS=N        repetitions per command (default 3; the median is reported)
#          WIRELENS=path use this binary instead of building target/release/wirelens
#          FLOWS=all|none  also run `wirelens flows` vs `tshark -z conv,tcp` and `tcptrace -n -l` (default all)
#          TREE=auto|all|none  also run `wirelens tree` vs `tshark -V` (auto: only on files named mix_mid*)
#          DATA=dir      where the benchmark captures are (default /work/bench-data)
#          RESULTS=file  where the markdown goes (default benches/results/<date>-<host>.md)
#
# Without FILE: every one of mix_small, mix_mid, mix_large, shortflows found in $DATA, else the largest
# file in samples/. All commands of one file run interleaved (rep 1: every command, rep 2: every command,
# ...) so that drift of the machine hits them alike. Output goes to /dev/null.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REPS=${REPS:-3}
TREE=${TREE:-auto}
FLOWS=${FLOWS:-all}
DATA=${DATA:-/work/bench-data}
FIELDS=(-e frame.number -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.seq -e tcp.flags)

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

case $REPS in '' | *[!0-9]* | 0) die "REPS must be a positive number, not '$REPS'" ;; esac
case $TREE in auto | all | none) ;; *) die "TREE must be auto, all or none, not '$TREE'" ;; esac

# ---- tools -------------------------------------------------------------------------------------------
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is missing: apt-get install -y time"
HAVE_TSHARK=1 HAVE_TCPDUMP=1 HAVE_CAPINFOS=1
command -v tshark >/dev/null || { HAVE_TSHARK=0; say "run.sh: tshark is missing (apt-get install -y tshark): its rows are skipped"; }
command -v tcpdump >/dev/null || { HAVE_TCPDUMP=0; say "run.sh: tcpdump is missing (apt-get install -y tcpdump): its rows are skipped"; }
command -v capinfos >/dev/null || { HAVE_CAPINFOS=0; say "run.sh: capinfos is missing (comes with tshark/wireshark-common): no Mpkt/s"; }

if [ -n "${WIRELENS:-}" ]; then
  [ -x "$WIRELENS" ] || die "WIRELENS=$WIRELENS is not an executable file"
  WL_DESC="$WIRELENS (given)"
else
  command -v cargo >/dev/null || die "cargo is missing and no WIRELENS=path was given"
  say "run.sh: building wirelens (cargo build --release) ..."
  (cd "$ROOT" && cargo build --release --quiet -p wirelens) || die "cargo build --release failed"
  TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
  WIRELENS=$TARGET/release/wirelens
  [ -x "$WIRELENS" ] || die "built, but $WIRELENS is not there"
  WL_DESC="release build of $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
fi

# ---- files -------------------------------------------------------------------------------------------
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
  for n in mix_small mix_mid mix_large shortflows; do
    if [ -f "$DATA/$n.pcap" ]; then FILES+=("$DATA/$n.pcap"); else say "run.sh: $DATA/$n.pcap is missing (make it: bash /work/shared/bench/make-captures.sh $DATA)"; fi
  done
  if [ ${#FILES[@]} -eq 0 ]; then
    big=$(ls -S "$ROOT"/samples/*.pcap "$ROOT"/samples/*.pcapng 2>/dev/null | head -1)
    [ -n "$big" ] || die "no capture in $DATA and none in samples/"
    say "run.sh: no benchmark captures, using the largest sample $big (too small for meaningful figures)"
    FILES=("$big")
  fi
fi
for f in "${FILES[@]}"; do [ -f "$f" ] || die "no such file: $f"; done

# ---- commands ----------------------------------------------------------------------------------------
# Each command has a label, the wirelens command it is compared with, and is run by run_cmd.
LABELS=() BASES=()
add() { LABELS+=("$1"); BASES+=("$2"); }
plan() { # $1 = file
  LABELS=() BASES=()
  add "wirelens packets" 0
  add "wirelens packets -T fields" 1
  [ $HAVE_TSHARK = 1 ] && add "tshark -n -r" 0 && add "tshark -n -r -T fields" 1
  [ $HAVE_TCPDUMP = 1 ] && add "tcpdump -nn -r" 0 && add "TZ=UTC tcpdump -nn -r" 0
  # Flow summaries: wirelens flows vs tshark's TCP conversations and tcptrace's connection list.
  if [ "$FLOWS" != none ]; then
    local fl=${#LABELS[@]}
    add "wirelens flows" "$fl"
    [ $HAVE_TSHARK = 1 ] && add "tshark -n -q -r -z conv,tcp" "$fl"
    command -v tcptrace >/dev/null && add "tcptrace -n -l" "$fl"
  fi
  local base=$(basename "$1")
  if [ "$TREE" = all ] || { [ "$TREE" = auto ] && [[ $base == mix_mid* ]]; }; then
    local t=${#LABELS[@]}
    add "wirelens tree" "$t"
    [ $HAVE_TSHARK = 1 ] && add "tshark -V -n -r" "$t"
  fi
}
argv() { # $1 = label, $2 = file: sets CMD to the command line (exec'd directly by /usr/bin/time)
  case $1 in
    "wirelens packets") CMD=("$WIRELENS" packets "$2") ;;
    "wirelens packets -T fields") CMD=("$WIRELENS" packets "$2" -T fields "${FIELDS[@]}") ;;
    "wirelens tree") CMD=("$WIRELENS" tree "$2") ;;
    "wirelens flows") CMD=("$WIRELENS" flows "$2") ;;
    "tshark -n -q -r -z conv,tcp") CMD=(tshark -n -q -r "$2" -z conv,tcp) ;;
    "tcptrace -n -l") CMD=(tcptrace -n -l "$2") ;;
    "tshark -n -r") CMD=(tshark -n -r "$2") ;;
    "tshark -n -r -T fields") CMD=(tshark -n -r "$2" -T fields "${FIELDS[@]}") ;;
    "tshark -V -n -r") CMD=(tshark -V -n -r "$2") ;;
    "tcpdump -nn -r") CMD=(tcpdump -nn -r "$2") ;;
    "TZ=UTC tcpdump -nn -r") CMD=(env TZ=UTC tcpdump -nn -r "$2") ;;
  esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
HOST=$(hostname -s 2>/dev/null || hostname)
RESULTS=${RESULTS:-$HERE/results/$(date +%F)-$HOST.md}
mkdir -p "$(dirname "$RESULTS")"
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
MD=$TMP/results.md
{
  echo "# wirelens benchmark, $(date '+%F %H:%M') on $HOST"
  echo
  echo "- machine: $CPU, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "- wirelens: $WL_DESC"
  [ $HAVE_TSHARK = 1 ] && echo "- $(tshark --version 2>/dev/null | head -1)"
  [ $HAVE_TCPDUMP = 1 ] && echo "- $(tcpdump --version 2>&1 | head -1), $(tcpdump --version 2>&1 | sed -n 2p)"
  echo "- $REPS runs per command, interleaved, median shown; output to /dev/null; files in the page cache"
  echo "- fields: \`-T fields ${FIELDS[*]}\`"
  echo "- seconds: wall clock around \`/usr/bin/time -f '%e %M %U %S'\`, which gives the peak RSS and the CPU time (user + sys; less sensitive than wall time to other load on the machine); MB/s and Mpkt/s from the wall time"
  echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- x wirelens: this command's median wall time / that of the wirelens command doing the same job (>1: wirelens is faster); x wirelens CPU: the same with CPU times"
} >"$MD"

for F in "${FILES[@]}"; do
  SIZE=$(stat -c %s "$F")
  PKTS=""
  if [ $HAVE_CAPINFOS = 1 ]; then
    PKTS=$(capinfos -c -M "$F" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/[ \t]/, "", $2); print $2}')
    [ -n "$PKTS" ] || say "run.sh: capinfos could not count the packets of $F"
  fi
  plan "$F"
  say ""
  say "== $F: $(awk -v s="$SIZE" 'BEGIN {printf "%.1f MB", s/1e6}'), ${PKTS:-?} packets; ${#LABELS[@]} commands x $REPS runs"
  cat "$F" >/dev/null # into the page cache
  for ((r = 1; r <= REPS; r++)); do
    for ((i = 0; i < ${#LABELS[@]}; i++)); do
      L=${LABELS[$i]}
      t0=$EPOCHREALTIME
      argv "$L" "$F"
      /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" "${CMD[@]}" >/dev/null 2>"$TMP/err"
      rc=$?
      t1=$EPOCHREALTIME
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b-a}')
      rss=$(awk 'END {print $2}' "$TMP/time")
      cpu=$(awk 'END {printf "%.2f", $3 + $4}' "$TMP/time")
      if [ $rc -ne 0 ]; then
        say "   run $r: $L FAILED (exit $rc): $(grep -v '^Command exited' "$TMP/err" | tail -2 | tr '\n' ' ')"
        echo "$rc" >"$TMP/fail.$i"
      fi
      echo "$secs" >>"$TMP/secs.$i"
      echo "$rss" >>"$TMP/rss.$i"
      echo "$cpu" >>"$TMP/cpu.$i"
      say "   run $r: $(printf '%-28s %8ss wall %6ss cpu %8s kB' "$L" "$secs" "$cpu" "$rss")"
    done
  done
  # table
  {
    echo
    echo "## $(basename "$F"): $(awk -v s="$SIZE" 'BEGIN {printf "%.1f MB", s/1e6}'), ${PKTS:-?} packets"
    echo
    echo "| command | seconds | CPU s | MB/s | Mpkt/s | peak RSS MB | x wirelens | x wirelens CPU |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$MD"
  declare -A MED=() CMED=()
  for ((i = 0; i < ${#LABELS[@]}; i++)); do
    MED[$i]=$(median <"$TMP/secs.$i")
    CMED[$i]=$(median <"$TMP/cpu.$i")
  done
  for ((i = 0; i < ${#LABELS[@]}; i++)); do
    s=${MED[$i]}
    rss=$(median <"$TMP/rss.$i")
    cpu=${CMED[$i]}
    bc=${CMED[${BASES[$i]}]}
    b=${MED[${BASES[$i]}]}
    note=""
    [ -f "$TMP/fail.$i" ] && note=" (FAILED: exit $(cat "$TMP/fail.$i"))"
    awk -v l="${LABELS[$i]}$note" -v s="$s" -v sz="$SIZE" -v p="$PKTS" -v rss="$rss" -v cpu="$cpu" -v b="$b" -v bc="$bc" -v self="$([ "${BASES[$i]}" = "$i" ] && echo 1 || echo 0)" 'BEGIN {
      mbs = (s > 0) ? sprintf("%.0f", sz / 1e6 / s) : "-"
      mps = (p != "" && s > 0) ? sprintf("%.3f", p / 1e6 / s) : "-"
      x = self ? "1" : ((b > 0) ? sprintf("%.2f", s / b) : "-")
      xc = self ? "1" : ((bc > 0) ? sprintf("%.2f", cpu / bc) : "-")
      printf "| `%s` | %.3f | %.2f | %s | %s | %.1f | %s | %s |\n", l, s, cpu, mbs, mps, rss / 1024, x, xc
    }' >>"$MD"
  done
  unset MED CMED
  rm -f "$TMP"/secs.* "$TMP"/rss.* "$TMP"/cpu.* "$TMP"/fail.*
done

cp "$MD" "$RESULTS"
echo
cat "$MD"
say ""
say "run.sh: written to $RESULTS"
