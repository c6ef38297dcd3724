#!/usr/bin/env bash
# bench.sh times latchgate-mcp list, doctor and install on large generated
# ~/.claude.json files, with the anchors of issue 14 measured in the same
# run: Claude Code's own "claude mcp list" and "claude mcp add-json" on the
# same files, and cp + sync of the same file.
#
#   scripts/bench.sh [-n RUNS] [-s "10M 50M"] [-k] [-C] [-o OLD] [-w DIR]
#
#   -n RUNS   runs of each command (default 11); the median is reported
#   -s SIZES  fixture sizes (default "10M 50M")
#   -k        the fixture keeps its bulk where Claude Code 2.x keeps it
#             (fixtures.ClaudeJSONKept); default: in prompt history
#             (fixtures.ClaudeJSON), which each claude run first moves out
#   -C        leave out the claude anchors (a quicker run, to compare two
#             versions of latchgate-mcp with cp + sync)
#   -o OLD    also time the latchgate-mcp binary OLD (an earlier build),
#             interleaved with this one: rows old-list, old-doctor, ...
#   -w DIR    work directory (default: a new temporary one, removed after)
#
# Claude Code is $LATCHGATE_MCP_TEST_CLAUDE, else "claude" on PATH, else
# @anthropic-ai/claude-code@2.1.197 installed with npm into the work
# directory; without it the claude anchors are left out.
#
# Runs are interleaved (run 1 of every command, then run 2, ...), so a
# change of load on the machine hits every command alike, and each run
# starts from a fresh copy of the file (the copy is not timed; its mtime
# is set a minute back, as for a file not written in the last seconds).
# Wall time is measured around the process, CPU time (user + system, of
# the process and its children) from the shell's "times", peak RSS is GNU
# time's %M. On a loaded machine CPU time moves much less than wall time.
# The load average is printed before and after: compare ratios, not
# absolute times, between machines.
#
# What each row measures:
#   list       latchgate-mcp list --ide claude-code (reads every scope)
#   doctor     latchgate-mcp doctor --ide claude-code, with a test gate up:
#              binary, configuration, gate (health, lease, DPoP) and a real
#              handshake (serve started, initialize, tools/list)
#   install    latchgate-mcp install --ide claude-code: a real write with
#              lock, backup, atomic replace, fsync of file and directory,
#              on a file last written a minute ago
#   install-new  the same on a file written just before the run: its checks
#              that nobody wrote it meanwhile compare bytes, not a stat
#              (safeio.Stamp's racy window)
#   claude-list     claude mcp list (it starts each server to check it)
#   claude-add-json claude mcp add-json NAME JSON --scope user
#   cp+sync    cp FILE COPY; sync COPY (fsync of the copy)
set -euo pipefail

runs=11
sizes="10M 50M"
kept=0
noclaude=0
old=""
work=""
while getopts "n:s:kCo:w:" opt; do
  case "$opt" in
    n) runs="$OPTARG" ;;
    s) sizes="$OPTARG" ;;
    k) kept=1 ;;
    C) noclaude=1 ;;
    o) old="$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG")" ;;
    w) work="$OPTARG" ;;
    *) echo "usage: $0 [-n RUNS] [-s SIZES] [-k] [-C] [-o OLD] [-w DIR]" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$work" ]; then
  work="$(mktemp -d)"
  trap 'cleanup; rm -rf "$work"' EXIT
else
  mkdir -p "$work"
  trap 'cleanup' EXIT
fi
gate_pid=""
cleanup() {
  if [ -n "$gate_pid" ]; then kill "$gate_pid" 2>/dev/null || true; wait "$gate_pid" 2>/dev/null || true; fi
}

[ -x /usr/bin/time ] || { echo "bench.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "building into $work/bin" >&2
mkdir -p "$work/bin"
# latchgate-mcp is built as releases are (.goreleaser.yaml): no cgo,
# trimmed paths, no symbol table. A cgo build also maps the C library,
# about 1 MB more resident memory for every command.
(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/bin/latchgate-mcp" ./cmd/latchgate-mcp &&
  go build -o "$work/bin/testgate" ./internal/gatetest/cmd/testgate &&
  go build -o "$work/bin/claudejson" ./internal/fixtures/cmd/claudejson)
lg="$work/bin/latchgate-mcp"

claude="${LATCHGATE_MCP_TEST_CLAUDE:-}"
if [ "$noclaude" = 1 ]; then claude=""; elif [ -z "$claude" ]; then claude="$(command -v claude || true)"; fi
if [ "$noclaude" = 0 ] && [ -z "$claude" ] && command -v npm >/dev/null 2>&1; then
  echo "installing @anthropic-ai/claude-code@2.1.197 into $work/cc" >&2
  mkdir -p "$work/cc"
  if (cd "$work/cc" && timeout 300 npm install --no-audit --no-fund --loglevel=error @anthropic-ai/claude-code@2.1.197 >/dev/null 2>&1); then
    claude="$work/cc/node_modules/.bin/claude"
  fi
fi
if [ -n "$claude" ]; then
  echo "Claude Code: $("$claude" --version 2>/dev/null | head -1)" >&2
else
  echo "Claude Code not found: the claude anchors are left out" >&2
fi

# The test gate, on a free loopback port; doctor and claude mcp list
# reach it through the installed entry.
"$work/bin/testgate" --listen 127.0.0.1:0 --quiet >"$work/gate.out" 2>"$work/gate.err" &
gate_pid=$!
gate_url=""
for _ in $(seq 100); do
  gate_url="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/gate.out" | head -1)"
  [ -n "$gate_url" ] && break
  sleep 0.05
done
[ -n "$gate_url" ] || { echo "bench.sh: the test gate did not start:" >&2; cat "$work/gate.err" >&2; exit 1; }

# Every command runs with HOME and the state directory in the work
# directory, in a project directory Claude Code has no entry for.
export DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 LATCHGATE_MCP_NO_PROMPT=1 NO_COLOR=1
unset CLAUDE_CONFIG_DIR
sethome() {
  export HOME="$1" XDG_STATE_HOME="$1/.local/state" XDG_CONFIG_HOME="$1/.config" XDG_RUNTIME_DIR="$1/run"
  mkdir -p "$HOME/proj/.git" "$XDG_RUNTIME_DIR"
}

# put SRC DST: the fresh copy a run starts from (not timed), last
# written a minute ago. putnew: written just now.
put() {
  cp "$1" "$2.tmp" && touch -d '-1 minute' "$2.tmp" && mv "$2.tmp" "$2"
}
putnew() {
  cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

# cpu_us VAR: sets VAR to the user + system time of this shell's finished
# children, in microseconds (from "times", which counts in milliseconds;
# run in this shell, not a subshell, whose children are its own).
cpu_us() {
  local line u s
  times >"$work/times"
  line="$(tail -1 "$work/times")" # children: "XmY.ZZZs XmY.ZZZs"
  u="${line%% *}"; s="${line##* }"
  printf -v "$1" '%d' $(( $(secs_us "$u") + $(secs_us "$s") ))
}
secs_us() { # "1m2.345s" -> 62345000
  local m="${1%%m*}" rest="${1#*m}"
  rest="${rest%s}"
  echo $(( m * 60000000 + 10#${rest%.*} * 1000000 + 10#${rest#*.} * 1000 ))
}

# measure NAME CMD...: one timed run; appends "wall-us rss-kb cpu-us" to
# $work/NAME.
measure() {
  local name="$1"; shift
  local t0 t1 c0 c1
  cpu_us c0
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$work/out" 2>&1; then
    echo "bench.sh: $name failed:" >&2; cat "$work/out" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  cpu_us c1
  echo "$(( (${t1/./} - ${t0/./}) )) $(tail -1 "$work/rss") $(( c1 - c0 ))" >>"$work/$name"
}

# floor SRC DST: cp + sync as one timed run (two processes), peak RSS the
# larger of the two.
floor() {
  local t0 t1 r1 r2 c0 c1
  cpu_us c0
  t0=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/rss1" cp "$1" "$2"
  /usr/bin/time -f "%M" -o "$work/rss2" sync "$2"
  t1=$EPOCHREALTIME
  cpu_us c1
  r1="$(tail -1 "$work/rss1")"; r2="$(tail -1 "$work/rss2")"
  echo "$(( (${t1/./} - ${t0/./}) )) $(( r1 > r2 ? r1 : r2 )) $(( c1 - c0 ))" >>"$work/cp+sync"
}

# median FILE COLUMN: the median of a column of numbers.
median() {
  sort -n -k"$2","$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {if (NR%2) print v[(NR+1)/2]; else print int((v[NR/2]+v[NR/2+1])/2)}'
}

entry='{"type":"stdio","command":"'"$lg"'","args":["serve","--gate-url","'"$gate_url"'"],"env":{"LATCHGATE_AGENT_ID":"claude-code"}}'
echo "load before: $(uptime)"
for size in $sizes; do
  dir="$work/$size"
  mkdir -p "$dir"
  flag=""; [ "$kept" = 1 ] && flag="-kept"
  "$work/bin/claudejson" -size "$size" $flag -o "$dir/plain.json"
  # The file with the entry installed, for list, doctor and claude mcp list.
  sethome "$dir/prep"
  put "$dir/plain.json" "$HOME/.claude.json"
  (cd "$HOME/proj" && "$lg" install --ide claude-code --binary-path "$lg" --gate-url "$gate_url" >/dev/null 2>&1)
  cp "$HOME/.claude.json" "$dir/installed.json"
  bytes=$(stat -c %s "$dir/plain.json")
  names="list doctor install install-new claude-list claude-add-json cp+sync"
  [ -n "$old" ] && names="$names old-list old-doctor old-install old-install-new"
  for name in $names; do rm -f "$work/$name"; done

  for run in $(seq "$runs"); do
    for who in "" ${old:+old}; do
      bin="$lg"; prefix=""
      [ "$who" = old ] && { bin="$old"; prefix="old-"; }
      sethome "$dir/ours$prefix"; cd "$HOME/proj"
      put "$dir/installed.json" "$HOME/.claude.json"
      measure "${prefix}list" "$bin" list --ide claude-code
      measure "${prefix}doctor" "$bin" doctor --ide claude-code
      put "$dir/plain.json" "$HOME/.claude.json"
      measure "${prefix}install" "$bin" install --ide claude-code --binary-path "$lg" --gate-url "$gate_url"
      putnew "$dir/plain.json" "$HOME/.claude.json"
      measure "${prefix}install-new" "$bin" install --ide claude-code --binary-path "$lg" --gate-url "$gate_url"
    done
    if [ -n "$claude" ]; then
      sethome "$dir/claude"; cd "$HOME/proj"
      rm -rf "$HOME/.claude/backups" # its copy of the file on each run: disk space, not timed
      put "$dir/installed.json" "$HOME/.claude.json"
      measure claude-list "$claude" mcp list
      put "$dir/plain.json" "$HOME/.claude.json"
      measure claude-add-json "$claude" mcp add-json latchgate "$entry" --scope user
    fi
    rm -f "$dir/copy.json"
    floor "$dir/plain.json" "$dir/copy.json"
  done

  printf '\n~/.claude.json %s (%d bytes), %d runs each: median wall and CPU time, largest peak RSS\n' "$size" "$bytes" "$runs"
  printf '%-18s %10s %10s %10s %12s\n' command "wall ms" "CPU ms" "RSS MB" "RSS / file"
  for name in $names; do
    [ -f "$work/$name" ] || continue
    us=$(median "$work/$name" 1)
    cpu=$(median "$work/$name" 3)
    kb=$(sort -n -k2,2 "$work/$name" | tail -1 | awk '{print $2}')
    printf '%-18s %10.1f %10.1f %10.1f %12.2f\n' "$name" "$(echo "$us / 1000" | bc -l)" "$(echo "$cpu / 1000" | bc -l)" \
      "$(echo "$kb / 1024" | bc -l)" "$(echo "$kb * 1024 / $bytes" | bc -l)"
    eval "med_${name//[-+]/_}=$us"
    eval "cpu_${name//[-+]/_}=$cpu"
  done
  echo "ratios (goal in brackets):"
  printf '  install / cp+sync          %6.2f  [<= 2]\n' "$(echo "$med_install / $med_cp_sync" | bc -l)"
  printf '  install-new / cp+sync      %6.2f\n' "$(echo "$med_install_new / $med_cp_sync" | bc -l)"
  printf '  install / cp+sync, CPU     %6.2f\n' "$(echo "$cpu_install / $cpu_cp_sync" | bc -l)"
  if [ -n "$old" ]; then
    printf '  old-install / install      %6.2f   (wall; CPU %.2f)\n' "$(echo "$med_old_install / $med_install" | bc -l)" "$(echo "$cpu_old_install / $cpu_install" | bc -l)"
    printf '  old-list / list            %6.2f   (wall; CPU %.2f)\n' "$(echo "$med_old_list / $med_list" | bc -l)" "$(echo "$cpu_old_list / $cpu_list" | bc -l)"
    printf '  old-doctor / doctor        %6.2f   (wall; CPU %.2f)\n' "$(echo "$med_old_doctor / $med_doctor" | bc -l)" "$(echo "$cpu_old_doctor / $cpu_doctor" | bc -l)"
  fi
  if [ -n "$claude" ]; then
    printf '  claude-add-json / install  %6.2f  [>= 10]\n' "$(echo "$med_claude_add_json / $med_install" | bc -l)"
    printf '  list / claude-list         %6.2f  [< 1]\n' "$(echo "$med_list / $med_claude_list" | bc -l)"
    printf '  doctor / claude-list       %6.2f  [< 1]\n' "$(echo "$med_doctor / $med_claude_list" | bc -l)"
  fi
done
echo
echo "load after: $(uptime)"
