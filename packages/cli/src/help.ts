/**
 * The dissector tables a `--decode-as` rule can name (a default pipeline's; a test checks they
 * are all here, as the "known:" list of a rule naming no table gives them).
 */
const DECODE_AS_TABLES = 'link.type ethertype ip.proto udp.port mpls.label ppp.proto tcp.port\n                        http.upgrade ws.protocol ws.port tls.alpn';

/** The usage text `netrx --help` prints. */
export const USAGE = `netrx: stream protocol dissection for people and programs

usage: netrx <command> [-r FILE | -i DEVICE] [capture filter…] [options]
       netrx <command> --help      the command's own options and what its output means (-h)
       netrx --version             netrx's version (-V)

commands:
  packets   one line per packet: time, link, layers, endpoints, TCP flags, lengths
  tcp       one line per TCP connection: times, packets, bytes and sha256 per direction, gaps
  http      HTTP/1.1 requests and responses (bodies in --format jsonl)
  ws        WebSocket messages: unmasked, inflated, reassembled (wss:// too, given TLS keys)
  tls       one line per TLS connection: SNI, ALPN, version, suite, decrypted or why not
  stats     per connection: times, packets, bytes, messages by type and direction, rates
  ui        a live web inspector for every WebSocket: prints its URL, serves until Ctrl-C
  devices   list capture devices

where to read:
  -r FILE               a capture file (pcap, pcapng, optionally gzipped; - for standard input)
  -i DEVICE             capture live (as root)
  capture filter        words after the options, pcap-filter(7) as tcpdump takes them
                        (port 7272 and host 10.0.0.1); for -r too, with tcpdump's exact semantics
  --keylog FILE         TLS key log (SSLKEYLOGFILE format) to decrypt wss:// and https://;
                        repeatable; re-read as it grows (live). Default: $SSLKEYLOGFILE when set.
                        A pcapng with embedded secrets (editcap --inject-secrets) needs none

what to show:
  -Y EXPR, --display-filter EXPR
                        display filter over the fields of the --format jsonl records:
                        'stream == 1 && dir == "c2s"', 'type in {text binary}', 'length > 1000',
                        'tunnel contains "vxlan"'
  --stream N            only connection #N
  -z follow,ws,N        connection #N's whole conversation (netrx ws; follow,tcp,N for netrx tcp)
  -c COUNT              stop after COUNT packets (counted after the capture filter)
  --max-messages N      stop after N messages shown (ws, http)
  --plugin FILE         register a plugin module (repeatable): your own dissectors

how to show it:
  --format text|jsonl, -F text|jsonl
                        text for people (default), jsonl for programs (one JSON object a line)
  -t a|ad|u|ud|r|d|e    times: local (default), local with date, UTC, UTC with date,
                        relative to the first packet, delta to the previous line, epoch
  --full                never shorten payloads (and whole HTTP bodies in jsonl)
  --pretty              JSON payloads pretty-printed under their line
  --hexdump | --base64  binary payloads as a hexdump under the line, or in base64 (default hex)
  --color, --colour auto|always|never
                        colour on a terminal (auto; off with NO_COLOR or when piped)

more:
  --decode-as RULE, -d RULE
                        force a dissector, as tshark's -d: TABLE==VALUE,DISSECTOR (repeatable):
                        tcp.port==7272,websocket; tunnels on other ports or labels:
                        udp.port==8472,vxlan, mpls.label==17,pwethcw (an Ethernet pseudowire).
                        Tables: ${DECODE_AS_TABLES}
  -w FILE               also write the packets read to FILE as pcapng
  --backend cap|tcpdump  with -i: the capture backend (default: cap when it loads)
  -s SNAPLEN            with -i: bytes kept per packet
  --no-progress         no progress bar on stderr
  --workers N           packets, tcp, http, ws: dissect in N threads (default: one per 64 MiB
                        of a file, up to the cores, else 1); the output is the same as with one
  --sink URL            ws, http, tcp: also write each record (its jsonl line) to Redis Streams,
                        redis://[user:pass@]HOST:PORT/KEY[?shards=N&maxlen=M&timeout=S].
                        stdout output stays, as with -w, so adding a sink never changes what a
                        run shows; -q drops it
  --sink-source NAME    the source field of each record (default: the host name)
  --memory SIZE         most memory held between packets (fragments, connections, out-of-order
                        and held bytes): 128MiB (default), 1GiB, 64k or plain bytes; past it the
                        oldest state goes, and the last stderr line says what was dropped
  --warnings            findings that belong to no message (a dissector's stream.error, a TLS
                        connection's warnings, and ws.warning outside netrx ws, which always
                        shows them) as lines of their own: {"type":"warning",…} in jsonl.
                        Without it they are counted in the last stderr line
  --summary             with --format jsonl: a last {"type":"summary",…} line of what was
                        dropped (fragments, layers cut, connections closed early, bytes skipped…)
  -q, --quiet           nothing on stdout
  -V, --version         netrx's version
  -h, --help            this text; netrx <command> --help: the command's own

ui options:
  --port N              listen on port N (default: a free port)
  --host H              listen on H (default 127.0.0.1; anything else exposes the capture)
  --open                open the page in a browser ($BROWSER, xdg-open, or one on PATH)
  --max-messages N      keep at most N messages, evicting the oldest (default 1000000)
`;

const COMMON_READ = `  -r FILE | -i DEVICE   a capture file, or a live capture (as root)
  [capture filter…]     pcap-filter(7), as tcpdump: port 7272 and not host 10.0.0.9
  -c COUNT              stop after COUNT packets (counted after the capture filter)
  --format, -F text|jsonl   text for people (default), one JSON object a line for programs
  -t a|ad|u|ud|r|d|e    text times: local (default), local+date, UTC, UTC+date, relative, delta, epoch
  --color, --colour auto|always|never   colour on a terminal; off with NO_COLOR or when piped
  --decode-as, -d RULE  force a dissector, TABLE==VALUE,DISSECTOR: tcp.port==7272,websocket,
                        udp.port==8472,vxlan, mpls.label==17,pwethcw (tables: netrx --help)
  --keylog FILE         TLS key log (SSLKEYLOGFILE format; repeatable; default $SSLKEYLOGFILE)
  --plugin FILE         register a plugin module (repeatable)
  -w FILE               also write the packets read to FILE as pcapng
  --backend cap|tcpdump, -s SNAPLEN   live capture only
  --no-progress         no progress bar on stderr
  --workers N           dissect in N threads (default: one per 64 MiB of a file, ≤ cores)
  --memory SIZE         most memory held between packets (default 128MiB; 1GiB, 64k, bytes)
  --warnings            findings that belong to no message (stream.error, TLS warnings; ws.warning
                        outside netrx ws, which always shows them) as lines of their own
                        ({"type":"warning",…} in jsonl); without it, counted on stderr
  --summary             with --format jsonl: a last {"type":"summary",…} line of what was dropped
                        (the last stderr line says it too, whenever anything was dropped)`;

const COMMAND_HELP: Record<string, string> = {
  ws: `netrx ws: WebSocket messages — unmasked, inflated (permessage-deflate), reassembled

usage: netrx ws [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields (see below)
  --stream N            only connection #N
  -z follow,ws,N        connection #N's whole conversation: every message in full (a partial
                        one marked [partial: N bytes unknown]) and its warnings where they
                        happen, the client's flush left, the server's indented; then the counts
  --max-messages N      stop after N messages shown
  --full                never shorten payloads
  --pretty              JSON text payloads pretty-printed under their line
  --hexdump | --base64  binary payloads as a hexdump under the line, or in base64 (default hex)
  --sink URL            also write each record (its jsonl line) to Redis Streams (netrx --help)
  --sink-source NAME, -q   the records' source field; nothing on stdout

text output, one line per message:
  03:40:05.366039000 #1 127.0.0.1:55432 → 127.0.0.1:7272 text 59B [deflate] {"type":"say",…}
  #N          the TCP connection (numbered in the order first seen; --stream N, follow)
  → / ←       client to server / server to client
  [vxlan vni 42]   the tunnel the connection came through (jsonl: "tunnel"; nested ones
              outermost first: [gre key 9 / vxlan vni 42])
  [tls]       came through TLS, decrypted with the key log (jsonl: "tls":{version,suite,sni});
              a TLS connection without keys shows nothing (the last stderr line says why)
  text, binary, ping, pong, close   the message type; a close shows its code and reason
  59B         payload length after unmasking and inflating
  [deflate]   sent compressed (permessage-deflate); [3 frames]: made of 3 frames
  [WARN_…]    findings (an RFC violation, invalid UTF-8); docs/codes.md explains each code
  … (N chars) the text was shortened to 120 characters; --full shows it all
  [partial: N bytes unknown]   compressed with history from before the capture: the other bytes
              are exact, the N unknown ones show as � (U+FFFD) (jsonl: "partial":true,"unknownBytes":N)
  [undecodable: why]   the payload could not be recovered (its start, or a gap inside it, was
              not captured; over the size cap): never shown as wrong text
  name: summary        a plugin's payload dissector decoded it (--plugin)

and a line for each finding that belongs to no message (always shown; jsonl {"type":"warning",…}):
  03:40:05.366039000 #1 127.0.0.1:55432 ← 127.0.0.1:7272 warning [WARN_WS_ACCEPT_MISMATCH] …
  with --warnings also a dissector's errors and TLS warnings: warning (stream.error http) [ERR_…] …

jsonl fields (for -Y too): ts stream client server tunnel tls dir type length text|hex code
  reason compressed frames decoded undecodable partial unknownBytes warnings (tunnel only when
  the connection came through one, tls when decrypted); client.ip, client.port, server.ip,
  server.port are the endpoints' parts.
  -Y examples: 'stream == 1 && dir == "c2s"'  'type in {text binary}'  'text contains "say"'
  'text matches "^\\\\{"'  'length > 1000'  'client.port == 55432'  'warnings'  'not compressed'
  'partial'  'tunnel == "vxlan vni 42"'  'tls.version == "TLSv1.3"'
`,
  http: `netrx http: HTTP/1.x requests and responses (keep-alive, pipelining, chunked)

usage: netrx http [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields: 'status >= 400', 'method == POST'
  --stream N            only connection #N
  --max-messages N      stop after N HTTP messages shown
  --full                whole targets in text; whole bodies (up to 16 MiB) in jsonl
  --pretty              JSON bodies pretty-printed under their line
  --hexdump             binary bodies as a hexdump under their line
  --sink URL            also write each record (its jsonl line) to Redis Streams (netrx --help)
  --sink-source NAME, -q   the records' source field; nothing on stdout

text output, one line per message:
  12:52:12.603548000 #0 127.0.0.1:36674 ← 127.0.0.1:7360 HTTP/1.1 200 OK 24B
  #N          the TCP connection;  → request (client to server), ← response
  [gre key 1001]   the tunnel the connection came through (jsonl: "tunnel")
  [tls]       came through TLS, decrypted with the key log (jsonl: "tls")
  24B         body length after de-chunking;  [WARN_…]/[ERR_…] findings (docs/codes.md)

jsonl fields: ts stream client server tunnel tls dir type method target | status reason
  version headers bodyLength trailers warnings (tunnel only through one, tls when decrypted),
  then the body: body (text) or bodyBase64, bodyEncoding
  (gzip, deflate, br undone), bodyTruncated (bytes left out: past 64 KiB without --full, or
  never captured), bodyError.
`,
  tcp: `netrx tcp: one line per TCP connection (stream order for a file, as they close live)

usage: netrx tcp [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields: 'c2s.gaps > 0', 'duration > 1'
  --stream N            only connection #N
  -z follow,tcp,N       connection #N's reassembled bytes as text, the server's indented
  --full                whole sha256 sums
  --sink URL            also write each record (its jsonl line) to Redis Streams (netrx --help)
  --sink-source NAME, -q   the records' source field; nothing on stdout

text output:
  #0 127.0.0.1:40000 → 127.0.0.1:80 (syn, fin) c2s 18B sha256:8c7e…  s2c 19B sha256:2a1b…  03:40:05.267886000 0.152129 s 16/19 packets
  [pppoe session 4660]   after the server: the tunnel the connection came through
  (syn, fin)  how the client was decided (syn, port, http, ws-mask, tls, decode-as…), how it ended (fin, rst, idle, end)
  c2s / s2c   client to server / server to client: reassembled bytes and their sha256, then
              gaps N/B (holes), retx (retransmissions), conflicts, dropped, closed by …
  then the first segment's time, the duration, segments client to server / server to client
              up to the close (the last ACK after both FINs comes after it and is not
              counted: tshark's conversations count it)

jsonl fields: stream client server tunnel clientBy close c2s s2c (bytes sha256 gaps gapBytes
  retransmitted overlapConflicts droppedBytes close), then firstTs lastTs duration packets;
  tunnel only when the connection came through one. The bytes are TCP's: TLS stays encrypted.
`,
  packets: `netrx packets: one line per packet

usage: netrx packets [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields: 'layers contains "vlan"', 'tcp.payloadLength > 0'

text output:
       4 03:40:05.283287000 ETHERNET ethernet/ipv4/tcp 127.0.0.1:55422 > 127.0.0.1:7272 [P.] seq 2171263616 ack 537779778 length 223 caplen 289 len 289
  frame number, time, link type, layers (!name: could not be decoded; tunnel layers too:
  ethernet/ipv4/udp/vxlan/ethernet/ipv4/tcp), the innermost source > destination, then the
  tunnel the packet came through ([vxlan vni 42]; nested ones outermost first),
  for TCP the flags as tcpdump writes them (S SYN, F FIN, R RST, P PSH, . ACK, U URG, E ECE,
  W CWR), sequence and acknowledgment numbers (absolute) and payload length, then caplen (bytes
  captured) and len (bytes on the wire); [ERR_… at OFFSET: …] when a layer could not be decoded.

jsonl fields: frame ts linkType layers src dst tunnel caplen len failure, then tcp (flags seq ack
  payloadLength); tunnel only when the packet came through one.
`,
  tls: `netrx tls: one line per TLS connection, when it ends — decrypted or why not

usage: netrx tls [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields: 'not decrypted', 'reason == "no-key"'
  --stream N            only connection #N
  --full                whole client randoms in the reasons

Keys: --keylog FILE (repeatable), else $SSLKEYLOGFILE; a pcapng's Decryption Secrets Blocks
(editcap --inject-secrets tls,keys.log) are read with no flag.

text output:
  #0 127.0.0.1:43246 → 127.0.0.1:8443 localhost TLSv1.3 TLS_AES_128_GCM_SHA256 http/1.1 decrypted  c2s 12 records 18105B  s2c 20 records 34955B
  then SNI, version, suite, ALPN; "decrypted", or "not decrypted (reason): …" with the client
  random to look for in the key log; records and bytes per direction ([WARN_…] findings).
  reasons: no-key (no key log line for its client random), key-mismatch (the secrets do not
  open its records), unsupported-suite, unsupported-version, handshake-not-captured,
  handshake-incomplete, handshake-malformed, not-tls.

jsonl fields: ts stream client server sni alpn alpnOffered version suite decrypted reason
  reasonText clientRandom resumed helloRetryRequest keyUpdates c2s s2c (records bytes
  plaintextBytes authFailures undecrypted) warnings warningCount.
`,
  stats: `netrx stats: per connection statistics, then totals

usage: netrx stats [-r FILE | -i DEVICE] [capture filter…] [options]

${COMMON_READ}
  -Y EXPR               display filter over the jsonl fields: 'messageCount > 10', 'protocol == "websocket"'
  --stream N            only connection #N (the totals stay)

text output, per connection:
  #1 127.0.0.1:55432 ↔ 127.0.0.1:7272 websocket, closed by fin, WebSocket close 1000 bye
    03:40:05.352722000 for 0.056876 s: packets 44 (23 → / 21 ←), bytes 15809 (7895 → / 7914 ←)
    messages 32: → text 8, …; ← text 8, …      (→ client to server, ← server to client)
    rates: … packets/s, … bytes/s, … messages/s; largest: ← text 70145B at …
  then "total:" lines for the whole capture.

jsonl fields: stream client server tunnel protocol firstTs lastTs duration packets bytes messages
  messageCount rates largest closeCode closeReason close; last {"totals":true, connections, …}.
`,
  ui: `netrx ui: a live web inspector for every WebSocket message; prints its URL, serves until Ctrl-C

usage: netrx ui [-r FILE | -i DEVICE] [capture filter…] [options]

  -r FILE | -i DEVICE   a capture file, or a live capture (as root)
  [capture filter…]     pcap-filter(7), as tcpdump: port 7272 and not host 10.0.0.9
  -c COUNT              stop after COUNT packets
  --decode-as RULE      force a dissector: tcp.port==7272,websocket
  --keylog FILE         TLS key log (SSLKEYLOGFILE format; repeatable; default $SSLKEYLOGFILE)
  --memory SIZE         most memory held between packets (default 128MiB; 1GiB, 64k, bytes)
  --port N              listen on port N (default: a free port)
  --host H              listen on H (default 127.0.0.1; anything else exposes the capture)
  --open                open the page in a browser ($BROWSER, xdg-open, or one on PATH)
  --max-messages N      keep at most N messages, evicting the oldest (default 1000000)

The page filters, follows and exports by itself; -Y, --stream, -z and the text options are for
netrx ws.
`,
  devices: `netrx devices: the devices live capture can open (-i NAME)

usage: netrx devices [--format text|jsonl]

  --format, -F text|jsonl   text for people (default), one JSON object a line for programs

  name, "loopback", addresses, description; jsonl: name description addresses loopback.
`,
};

/** The help `netrx <command> --help` prints: the command's own, or the general usage. */
export function helpFor(command: string): string {
  return COMMAND_HELP[command] ?? USAGE;
}
