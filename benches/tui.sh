#!/bin/bash
# Opening a large capture in a terminal UI: wirelens vs termshark, with tshark's plain text pass as a floor.
#
#   usage: benches/tui.sh [FILE...]            (default: /work/bench-data/mix_large.pcap)
#   env:   REPS=N        runs per tool and file (default 1; the median is reported)
#          WIRELENS=path the wirelens binary (default: `cargo build --release`, then target/release/wirelens)
#          RESULTS=file  where the markdown goes (default benches/results/<date>-<host>-tui.md)
#          TIMEOUT=secs  give up on one run of one tool after this long (default 900); it reads "timeout"
#          TOOLS="..."   which of wirelens termshark tshark to run (default all three)
#
# Each TUI runs in a tmux session of 120x40 (TERM=xterm-256color) on a private tmux socket; the script
# types the command into an idle `bash --norc` and then watches the screen with `tmux capture-pane`:
#
#   first screen  launch -> the row of frame 1 is on the screen (polled every 20 ms)
#   full          wirelens: launch -> the status bar says "indexed in"
#                 termshark: launch -> its `tshark -T psml` child (which feeds it the packet list) exits
#                 tshark -n -r FILE: launch -> end of the whole pass (output to /dev/null)
#   peak RSS      wirelens: VmHWM of the process, read just before `q`
#                 termshark: the largest sum of VmRSS over termshark and its tshark children, sampled
#                 every ~100 ms (termshark's own VmHWM and the sum of every process's VmHWM are logged too)
#                 tshark: GNU time's maximum resident set size
#
# For tshark "first screen" is the time until its first line of output reaches a pipe (tshark's stdout
# is then block-buffered, so this is the first few KB: about a screenful).
#
# termshark runs with HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME in a temporary directory, so that no user
# configuration changes what it does; one warm-up run on a small capture first fills its caches (tshark's
# field and column lists), as on any machine where termshark has been started before.
#
# Needs: tmux, tshark + capinfos (wireshark-common), termshark, GNU time (/usr/bin/time). A missing
# termshark or tshark is named and its rows are left out. Tools run interleaved (rep 1 of every tool,
# then rep 2, ...) with the file in the page cache. Everything started is stopped on exit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REPS=${REPS:-1}
TIMEOUT=${TIMEOUT:-900}
TOOLS=${TOOLS:-wirelens termshark tshark}
COLS=120 ROWS=40
POLL=0.02     # seconds between screen polls until the first packet row is shown
POLL_SLOW=0.1 # seconds between polls after that (each poll costs a tmux client; the tools share 2 cores)

say() { printf '%s\n' "$*" >&2; }
die() { say "tui.sh: $*"; exit 1; }

case $REPS in '' | *[!0-9]* | 0) die "REPS must be a positive number, not '$REPS'" ;; esac
case $TIMEOUT in '' | *[!0-9]* | 0) die "TIMEOUT must be a positive number of seconds, not '$TIMEOUT'" ;; esac

# ---- tools -------------------------------------------------------------------------------------------
command -v tmux >/dev/null || die "tmux is missing: apt-get install -y tmux"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is missing: apt-get install -y time"
command -v capinfos >/dev/null || die "capinfos is missing: apt-get install -y tshark (wireshark-common)"
RUN_TOOLS=()
for t in $TOOLS; do
  case $t in
    wirelens) RUN_TOOLS+=("$t") ;;
    termshark | tshark)
      if command -v "$t" >/dev/null; then RUN_TOOLS+=("$t"); else say "tui.sh: $t is missing (apt-get install -y $t): its row is left out"; fi ;;
    *) die "unknown tool '$t' in TOOLS (wirelens, termshark, tshark)" ;;
  esac
done
[ ${#RUN_TOOLS[@]} -gt 0 ] || die "no tool to run"

if [ -n "${WIRELENS:-}" ]; then
  [ -x "$WIRELENS" ] || die "WIRELENS=$WIRELENS is not an executable file"
  WL_DESC="$WIRELENS (given), $("$WIRELENS" --version 2>/dev/null)"
else
  command -v cargo >/dev/null || die "cargo is missing and no WIRELENS=path was given"
  say "tui.sh: building wirelens (cargo build --release) ..."
  (cd "$ROOT" && cargo build --release --quiet -p wirelens) || die "cargo build --release failed"
  WIRELENS=${CARGO_TARGET_DIR:-$ROOT/target}/release/wirelens
  [ -x "$WIRELENS" ] || die "built, but $WIRELENS is not there"
  WL_DESC="release build of $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
fi

# ---- files -------------------------------------------------------------------------------------------
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(/work/bench-data/mix_large.pcap)
for f in "${FILES[@]}"; do [ -f "$f" ] || die "no such file: $f (see benches/README.md for the captures)"; done

# ---- scratch space and cleanup -----------------------------------------------------------------------
TMP=$(mktemp -d /tmp/wirelens-tui.XXXXXX)
SOCK=$TMP/tmux.sock # a private tmux server: the user's sessions are never touched
TM=(tmux -S "$SOCK")
FAKEHOME=$TMP/home
mkdir -p "$FAKEHOME/.config" "$FAKEHOME/.cache"
LIVE_PID="" # the process of the run in progress, killed (with its children) if the script is stopped

# descendants PID: PID and all its descendants, one per line.
descendants() {
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(pgrep -P "$p" 2>/dev/null); do descendants "$c"; done
  done
}

kill_tree() {
  [ -n "$1" ] || return 0
  local pids
  pids=$(descendants "$1")
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  return 0
}

cleanup() {
  exec 2>/dev/null # no "Killed" notices from bash for what is stopped here
  kill_tree "$LIVE_PID"
  "${TM[@]}" kill-server 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'say "tui.sh: interrupted"; exit 130' INT TERM HUP

# ---- helpers -----------------------------------------------------------------------------------------
# Times are kept in integer microseconds ($EPOCHREALTIME without its decimal point): no fork per poll.
now_us() { NOW=${EPOCHREALTIME/[.,]/}; }
# secs VAR US: VAR = US microseconds as seconds with 3 decimals.
secs() { printf -v "$1" '%d.%03d' $(($2 / 1000000)) $(($2 % 1000000 / 1000)); }

# kb FIELD PID: a "kB" field of /proc/PID/status (VmRSS, VmHWM), 0 if the process is gone.
kb() {
  local k v _
  while read -r k v _; do
    [ "$k" = "$1:" ] && { echo "$v"; return; }
  done 2>/dev/null <"/proc/$2/status"
  echo 0
}

# alive PID: the process exists and is not a zombie (tmux may take a while to reap an exited pane).
alive() {
  local k v
  [ -r "/proc/$1/status" ] || return 1
  while read -r k v; do
    [ "$k" = "State:" ] && { [ "${v:0:1}" != Z ]; return; }
  done 2>/dev/null <"/proc/$1/status"
  return 1
}

# The row of frame 1 in a packet list: "  1 0.000000 ..." (wirelens) or " 1     0.00000 ..." (termshark).
FIRST_ROW='(^|'$'\n'')[ ]*1[ ]+[0-9]+\.[0-9]+ '

# start_tui NAME: a tmux session NAME whose shell is an idle bash, ready for a command line.
start_tui() {
  "${TM[@]}" new-session -d -s "$1" -x $COLS -y $ROWS \
    env -i PATH="$PATH" TERM=xterm-256color LANG="${LANG:-C.UTF-8}" HOME="$FAKEHOME" \
    XDG_CONFIG_HOME="$FAKEHOME/.config" XDG_CACHE_HOME="$FAKEHOME/.cache" PS1='ready$ ' \
    bash --norc --noprofile || die "tmux new-session failed"
  local i
  for ((i = 0; i < 500; i++)); do
    [[ $("${TM[@]}" capture-pane -p -t "$1") == *'ready$'* ]] && return 0
    sleep 0.01
  done
  die "the shell in tmux session $1 did not start"
}

# quit_tui NAME PID: q (and Enter for termshark's "Do you want to quit?"), then kill whatever is left.
quit_tui() {
  local i
  "${TM[@]}" send-keys -t "$1" q
  for ((i = 0; i < 100; i++)); do
    alive "$2" || break
    if ((i == 10)) && [[ $("${TM[@]}" capture-pane -p -t "$1") == *"want to quit"* ]]; then
      "${TM[@]}" send-keys -t "$1" Enter
    fi
    sleep 0.05
  done
  alive "$2" && say "   (did not quit within 5 s of q: killed)"
  kill_tree "$2"
  "${TM[@]}" kill-session -t "$1" 2>/dev/null
  LIVE_PID=""
}

# run_tui TOOL FILE: one run of a TUI. Sets R_FIRST, R_FULL (seconds, or "timeout"/"failed"), R_RSS_KB,
# and R_NOTE (further figures for the notes under the table).
run_tui() {
  local tool=$1 file=$2 name="$1-$RANDOM" cmd
  case $tool in
    wirelens) cmd="exec $(printf '%q' "$WIRELENS") $(printf '%q' "$file")" ;;
    termshark) cmd="exec termshark -r $(printf '%q' "$file")" ;;
  esac
  start_tui "$name"
  local pid
  pid=$("${TM[@]}" display -p -t "$name" '#{pane_pid}') # `exec` keeps this PID for the tool
  LIVE_PID=$pid
  R_FIRST="" R_FULL="" R_RSS_KB=0 R_NOTE=""
  local screen t0 el first_us="" full_us="" ui_us="" last_sample=-1000000 seen_psml=0
  local max_sum=0 hwm_sum=0 sum h p
  local -A hwm=() # termshark: the largest VmHWM seen of each process of its tree
  now_us
  t0=$NOW
  "${TM[@]}" send-keys -t "$name" "$cmd" Enter
  while :; do
    screen=$("${TM[@]}" capture-pane -p -t "$name")
    now_us
    el=$((NOW - t0))
    if [ -z "$first_us" ] && [[ $screen =~ $FIRST_ROW ]]; then first_us=$el; fi
    case $tool in
      wirelens)
        if [ -z "$full_us" ] && [[ $screen == *"indexed in "* ]]; then
          full_us=$el
          # wirelens's own figure (its start to the end of indexing) and its packet count
          [[ $screen =~ indexed\ in\ ([0-9.]+)\ s ]] && R_NOTE="the status bar says indexed in ${BASH_REMATCH[1]} s"
          [[ $screen =~ ([0-9]+)\ packets ]] && R_NOTE+=" and ${BASH_REMATCH[1]} packets"
        fi
        ;;
      termshark)
        # Its `tshark -T psml` child streams the packet list to termshark: the load is complete when that
        # child is gone (seen before, or rows are on the screen so it has run: a small file is done fast).
        if [ -z "$full_us" ] && [ -z "$(pgrep -P "$pid" -f 'T psml')" ]; then
          if ((seen_psml)) || [ -n "$first_us" ]; then full_us=$el; fi
        elif [ -z "$full_us" ]; then
          seen_psml=1
        fi
        # termshark's progress ("NN %" and <Stop> beside the filter) leaves the screen when it is done.
        if [ -n "$full_us" ] && [ -z "$ui_us" ] && [[ $screen != *"<Stop>"* ]]; then ui_us=$el; fi
        # Memory of termshark and its children, every ~100 ms.
        if ((el - last_sample >= 100000)); then
          last_sample=$el
          sum=0
          for p in $(descendants "$pid"); do
            sum=$((sum + $(kb VmRSS "$p")))
            h=$(kb VmHWM "$p")
            ((h > ${hwm[$p]:-0})) && hwm[$p]=$h
          done
          ((sum > max_sum)) && max_sum=$sum
        fi
        ;;
    esac
    # Done; termshark gets up to 10 s more to take its progress indicator off the screen.
    if [ -n "$first_us" ] && [ -n "$full_us" ] &&
      { [ "$tool" != termshark ] || [ -n "$ui_us" ] || ((el - full_us > 10000000)); }; then break; fi
    if ! alive "$pid"; then
      say "   $tool exited by itself; its last screen:"
      printf '%s\n' "$screen" | grep -v '^ *$' | tail -5 >&2
      R_FIRST=failed R_FULL=failed
      break
    fi
    if ((el >= TIMEOUT * 1000000)); then
      R_FIRST=timeout R_FULL=timeout
      break
    fi
    if [ -n "$first_us" ]; then sleep $POLL_SLOW; else sleep $POLL; fi
  done
  [ -n "$first_us" ] && secs R_FIRST "$first_us"
  [ -n "$full_us" ] && secs R_FULL "$full_us"
  case $tool in
    wirelens)
      R_RSS_KB=$(kb VmHWM "$pid")
      ;;
    termshark)
      for p in "${!hwm[@]}"; do hwm_sum=$((hwm_sum + hwm[$p])); done
      R_RSS_KB=$max_sum
      local ui="?"
      [ -n "$ui_us" ] && secs ui "$ui_us"
      R_NOTE="progress gone from the screen at $ui s; termshark's own VmHWM $(($(kb VmHWM "$pid") / 1024)) MiB; sum of each process's VmHWM $((hwm_sum / 1024)) MiB"
      ;;
  esac
  quit_tui "$name" "$pid"
}

# run_tshark FILE: tshark -n -r FILE into a pipe whose reader stamps the first line, then drains it.
run_tshark() {
  local t0 t1 first rc
  R_FIRST="" R_FULL="" R_RSS_KB=0 R_NOTE=""
  rm -f "$TMP/first" "$TMP/time" "$TMP/rc"
  now_us
  t0=$NOW
  # In the background and waited for: a signal to the script then stops it at once (cleanup kills it).
  (
    /usr/bin/time -f '%e %M' -o "$TMP/time" timeout -k 10 "$TIMEOUT" tshark -n -r "$1" 2>"$TMP/err" |
      { IFS= read -r _ && echo "${EPOCHREALTIME/[.,]/}" >"$TMP/first"; cat >/dev/null; }
    echo "${PIPESTATUS[0]}" >"$TMP/rc"
  ) &
  LIVE_PID=$!
  wait "$LIVE_PID"
  LIVE_PID=""
  read -r rc <"$TMP/rc"
  now_us
  t1=$NOW
  secs R_FULL $((t1 - t0))
  if [ -s "$TMP/first" ]; then
    read -r first <"$TMP/first"
    secs R_FIRST $((first - t0))
  fi
  R_RSS_KB=$(awk 'END {print $2 + 0}' "$TMP/time" 2>/dev/null)
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then # timeout: TERM, then KILL 10 s later
    R_FULL=timeout R_FIRST=${R_FIRST:-timeout}
  elif [ "$rc" != 0 ]; then
    say "   tshark failed (exit $rc): $(grep -v 'Running as user' "$TMP/err" | tail -2 | tr '\n' ' ')"
    R_FULL=failed R_FIRST=${R_FIRST:-failed}
  fi
}

median() { sort -g | awk '/^[0-9.]+$/ {a[++n] = $1} END {if (n == 0) print "-"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2}'; }

# ---- header ------------------------------------------------------------------------------------------
HOST=$(hostname -s 2>/dev/null || hostname)
RESULTS=${RESULTS:-$HERE/results/$(date +%F)-$HOST-tui.md}
mkdir -p "$(dirname "$RESULTS")"
MD=$TMP/results.md
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo '?'; }
{
  echo "# Opening a capture in a terminal UI, $(date '+%F %H:%M') on $HOST"
  echo
  echo "- machine: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "- wirelens: $WL_DESC"
  for t in termshark tshark; do
    [[ " ${RUN_TOOLS[*]} " == *" $t "* ]] && echo "- $t $(ver "$t")"
  done
  echo "- tmux $(tmux -V | cut -d' ' -f2), session ${COLS}x${ROWS}, TERM=xterm-256color"
  echo "- $REPS run(s) per tool and file, interleaved, median shown; files in the page cache; timeout $TIMEOUT s per run"
  echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$MD"

# termshark's warm-up: fills its caches in the temporary HOME (see the top of this file).
if [[ " ${RUN_TOOLS[*]} " == *" termshark "* ]]; then
  small=$(ls -S "$ROOT"/samples/*.pcap 2>/dev/null | head -1)
  if [ -n "$small" ]; then
    say "tui.sh: termshark warm-up on $(basename "$small")"
    run_tui termshark "$small"
  fi
fi

# ---- runs --------------------------------------------------------------------------------------------
for F in "${FILES[@]}"; do
  SIZE=$(stat -c %s "$F")
  PKTS=$(capinfos -c -M "$F" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/[ \t]/, "", $2); print $2}')
  [ -n "$PKTS" ] || die "capinfos could not count the packets of $F"
  say ""
  say "== $F: $(awk -v s="$SIZE" 'BEGIN {printf "%.1f MB", s / 1e6}'), $PKTS packets; ${RUN_TOOLS[*]} x $REPS"
  cat "$F" >/dev/null # into the page cache
  rm -f "$TMP"/first.* "$TMP"/full.* "$TMP"/rss.* "$TMP"/notes
  for ((r = 1; r <= REPS; r++)); do
    for t in "${RUN_TOOLS[@]}"; do
      if [ "$t" = tshark ]; then run_tshark "$F"; else run_tui "$t" "$F"; fi
      echo "$R_FIRST" >>"$TMP/first.$t"
      echo "$R_FULL" >>"$TMP/full.$t"
      echo "$R_RSS_KB" >>"$TMP/rss.$t"
      say "   run $r: $(printf '%-9s first screen %8s s  full %8s s  peak RSS %6d MiB' "$t" "$R_FIRST" "$R_FULL" $((R_RSS_KB / 1024)))"
      [ -n "$R_NOTE" ] && say "            $R_NOTE" && echo "- run $r, $t: $R_NOTE" >>"$TMP/notes"
    done
  done

  # table: one row per tool; x columns = the tool's figure / wirelens's (above 1: wirelens is better)
  {
    echo
    echo "## $(basename "$F"): $(awk -v s="$SIZE" 'BEGIN {printf "%.2f GB", s / 1e9}'), $PKTS packets"
    echo
    echo "| tool | first screen s | full index/load s | peak RSS MiB | bytes/packet | first screen x wirelens | full x wirelens | RSS x wirelens |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  } >>"$MD"
  declare -A MF=() MU=() MR=()
  for t in "${RUN_TOOLS[@]}"; do
    MF[$t]=$(median <"$TMP/first.$t")
    MU[$t]=$(median <"$TMP/full.$t")
    MR[$t]=$(median <"$TMP/rss.$t")
    # a run that never got there shows why instead of a number
    [ "${MF[$t]}" = - ] && MF[$t]=$(head -1 "$TMP/first.$t")
    [ "${MU[$t]}" = - ] && MU[$t]=$(head -1 "$TMP/full.$t")
  done
  for t in "${RUN_TOOLS[@]}"; do
    case $t in
      wirelens) label="wirelens (TUI)" ;;
      termshark) label="termshark (TUI)" ;;
      tshark) label="tshark -n -r (text to /dev/null)" ;;
    esac
    awk -v l="$label" -v f="${MF[$t]}" -v u="${MU[$t]}" -v r="${MR[$t]}" -v p="$PKTS" \
      -v wf="${MF[wirelens]:-}" -v wu="${MU[wirelens]:-}" -v wr="${MR[wirelens]:-}" -v self="$([ "$t" = wirelens ] && echo 1 || echo 0)" '
      function num(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ }
      function ratio(a, b) { return self ? "1" : ((num(a) && num(b) && b > 0) ? sprintf("%.1f", a / b) : "-") }
      function secs(x) { return num(x) ? sprintf("%.2f", x) : x }
      BEGIN {
        if (!(num(r) && r > 0)) r = "-"
        rss = num(r) ? sprintf("%.0f", r / 1024) : "-"
        bpp = num(r) ? sprintf("%.0f", r * 1024 / p) : "-"
        xr = ratio(r, wr)
        # a run stopped early peaked at least that high
        if (!num(u) && num(r)) { rss = ">= " rss; bpp = ">= " bpp; xr = (xr == "-") ? xr : ">= " xr }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", l, secs(f), secs(u), rss, bpp, ratio(f, wf), ratio(u, wu), xr
      }' >>"$MD"
  done
  unset MF MU MR
  if [ -s "$TMP/notes" ]; then
    { echo; cat "$TMP/notes"; } >>"$MD"
  fi
done

cp "$MD" "$RESULTS"
echo
cat "$MD"
say ""
say "tui.sh: written to $RESULTS"
