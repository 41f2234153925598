#!/usr/bin/env bash
# One-command live demo (as root): starts the chat server, runs `netrx ws -i lo port 7272`, and
# drives the scripted chat session (mynick says 'hi, all ！', bot answers, a fragmented, a binary
# and a 70 KB message, close 1000 'bye') while netrx prints each WebSocket message as it happens.
#
#   sudo ./live-demo.sh             scripted session in a private network namespace, then stops
#   sudo ./live-demo.sh --browser   on this host: open http://127.0.0.1:55151/ and chat; Ctrl-C ends
#
# Extra arguments go to netrx (e.g. --format jsonl, --backend tcpdump).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
netrx="$root/packages/cli/bin/netrx.js"

if [ "${1:-}" = --browser ]; then
  # Capturing on this host needs root or the capture capability (on node for the cap backend, on
  # tcpdump for --backend tcpdump); netrx itself says which when it lacks it.
  shift
  node "$here/server.mjs" &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  echo "open http://127.0.0.1:55151/ in a browser and chat; Ctrl-C stops" >&2
  node "$netrx" ws -i lo "$@" port 7272
  exit 0
fi

if [ "${NETRX_NETNS:-}" != 1 ]; then
  # The private network namespace (unshare -n) needs root itself, whatever capabilities node has.
  [ "$(id -u)" = 0 ] || { echo "live-demo.sh: the scripted session runs in a private network namespace (unshare -n), which needs root: sudo $0 $*  (or, with the capture capability but not root: $0 --browser)" >&2; exit 1; }
  exec unshare -n env NETRX_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
tmp=$(mktemp -d)
trap 'kill $server $capture 2>/dev/null || true; rm -rf "$tmp"' EXIT

node "$here/server.mjs" >"$tmp/server.out" &
server=$!
for _ in $(seq 100); do grep -q 'chat server' "$tmp/server.out" && break; sleep 0.05; done

node "$netrx" ws -i lo "$@" port 7272 2> >(tee "$tmp/netrx.err" >&2) &
capture=$!
for _ in $(seq 200); do grep -q 'listening on' "$tmp/netrx.err" 2>/dev/null && break; sleep 0.05; done

# NETRX_DEMO_ANSWER=FILE keeps what the clients sent and received (the test compares it with netrx's output).
timeout 60 node "$here/client.mjs" ws://127.0.0.1:7272 "${NETRX_DEMO_ANSWER:-$tmp/session.jsonl}"
sleep 0.5
# Ctrl-C, as a person would: netrx stops capturing, prints what is left and a summary.
kill -INT "$capture"
wait "$capture"
