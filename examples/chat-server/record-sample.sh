#!/usr/bin/env bash
# Records the bundled sample capture: starts the chat server, captures port 7272 on loopback with
# tcpdump while client.mjs drives the scripted session, and writes (into OUTDIR, default capture/)
#   chat.pcap             what tcpdump saw (pcap, LINKTYPE_ETHERNET, µs timestamps)
#   chat.expected.jsonl   what the clients sent and received: the answer
# Usage: sudo ./record-sample.sh [OUTDIR]
# Runs as root inside a private network namespace (unshare -n), so no other traffic gets in and
# port 7272 is free. lo's MTU and GSO size are set to 1500 there, as on Ethernet (without the GSO
# limit tcpdump would see 64 KB super-segments), so bigger WebSocket frames are split across TCP
# segments: the case a dissector must reassemble.
set -euo pipefail
# Works from any directory: the script's own path is made absolute before changing into its folder.
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/capture}")
cd "$here"

if [ "${NETRX_NETNS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "record-sample.sh: run as root (it uses unshare -n and tcpdump)" >&2; exit 1; }
  exec unshare -n env NETRX_NETNS=1 bash "$here/record-sample.sh" "$out"
fi

ip link set lo up
ip link set lo mtu 1500 gso_max_size 1500
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'kill $server $dump 2>/dev/null || true; rm -rf "$tmp"' EXIT

# --immediate-mode: without it, packets still in libpcap's buffer when tcpdump is stopped are lost.
# -B 65536: a 64 MiB kernel buffer, so a busy machine does not make the kernel drop packets.
tcpdump -i lo -Z root --immediate-mode -U -s 0 -B 65536 -w "$tmp/chat.pcap" port 7272 2>"$tmp/tcpdump.err" &
dump=$!
for _ in $(seq 100); do grep -q 'listening on' "$tmp/tcpdump.err" && break; sleep 0.05; done

node server.mjs >"$tmp/server.out" &
server=$!
for _ in $(seq 100); do grep -q 'chat server' "$tmp/server.out" && break; sleep 0.05; done

timeout 60 node client.mjs ws://127.0.0.1:7272 "$tmp/chat.expected.jsonl"

kill -TERM "$server"; wait "$server" || true
sleep 0.2
kill -INT "$dump"; wait "$dump" || true
cat "$tmp/tcpdump.err" >&2
# A capture with holes would not be the answer's capture: refuse it.
grep -q '^0 packets dropped by kernel' "$tmp/tcpdump.err" || { echo "record-sample.sh: the kernel dropped packets; run it again" >&2; exit 1; }
mv "$tmp/chat.pcap" "$out/chat.pcap"
mv "$tmp/chat.expected.jsonl" "$out/chat.expected.jsonl"
echo "wrote $out/chat.pcap ($(stat -c %s "$out/chat.pcap") bytes) and $out/chat.expected.jsonl ($(wc -l <"$out/chat.expected.jsonl") messages)"
