// Measures TcpReassembler / reassembleTcp on synthetic in-order traffic (not a test):
//   npx tsc -b packages/dissector-tcp && node packages/dissector-tcp/bench/throughput.mjs
// TUNNEL=1 puts every packet in a tunnel (Packet.tunnel 'vxlan vni 42'), as from a VXLAN capture.
// Packets are decoded once up front (real TCP bytes through decodeTcp), so the timing is the
// reassembly stage alone: connection lookup, in-order delivery, ACK handling, event objects.
import { from } from 'rxjs';
import { corePlugin, createRegistry } from '@netrx/core';
import { decodeTcp, reassembleTcp, tcpPlugin } from '../dist/index.js';

const registry = createRegistry([corePlugin, tcpPlugin]);

const CONNS = Number(process.env.CONNS ?? 100);
const SEGMENTS = Number(process.env.SEGMENTS ?? 5000); // per connection, client to server
const SIZE = Number(process.env.SIZE ?? 1448);
const TUNNEL = process.env.TUNNEL ? 'vxlan vni 42' : undefined;

function tcpBytes(sport, dport, seq, ack, flags, payloadLength) {
  const b = new Uint8Array(20 + payloadLength);
  const v = new DataView(b.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  b[12] = 5 << 4;
  b[13] = flags;
  v.setUint16(14, 65535);
  for (let i = 20; i < b.length; i++) b[i] = i & 0xff;
  return b;
}

const packets = [];
let frameNumber = 0;
let ts = 1_700_000_000_000_000_000n;
const packet = (src, dst, tcp) => {
  const layer = decodeTcp(tcp, 34);
  const data = tcp; // the frame bytes do not matter to reassembly
  packets.push({
    frame: { linkType: 1, timestamp: (ts += 10_000n), caplen: data.length, length: data.length, data, interfaceId: 0, frameNumber: ++frameNumber },
    layers: [{ protocol: 'ipv4', src, dst, offset: 14, headerLength: 20, payload: tcp }, layer],
    tunnel: TUNNEL, // as dissect() makes packets: the field is always there
  });
};
for (let c = 0; c < CONNS; c++) {
  const src = `10.0.${c >> 8}.${c & 255}`;
  packet(src, '10.1.0.1', tcpBytes(40000 + c, 80, 1000, 0, 0x02, 0));
  packet('10.1.0.1', src, tcpBytes(80, 40000 + c, 5000, 1001, 0x12, 0));
}
for (let s = 0; s < SEGMENTS; s++) {
  for (let c = 0; c < CONNS; c++) {
    const src = `10.0.${c >> 8}.${c & 255}`;
    packet(src, '10.1.0.1', tcpBytes(40000 + c, 80, 1001 + s * SIZE, 5001, 0x18, SIZE));
    if (s % 2 === 1) packet('10.1.0.1', src, tcpBytes(80, 40000 + c, 5001, 1001 + (s + 1) * SIZE, 0x10, 0));
  }
}

for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
  let events = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  from(packets)
    .pipe(reassembleTcp(registry))
    .subscribe((ev) => {
      events++;
      if (ev.type === 'data') bytes += ev.bytes.length;
    });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `round ${round}: ${packets.length} packets (${CONNS} connections) in ${(secs * 1000).toFixed(0)} ms: ` +
      `${(packets.length / secs / 1e6).toFixed(2)} Mpackets/s, ${(bytes / secs / 1e9).toFixed(2)} GB/s of payload, ` +
      `${((secs * 1e9) / packets.length).toFixed(0)} ns/packet, ${events} events`,
  );
}
