// Real bytes from real peers: a `ws` client and server talk over loopback through a tapping
// proxy, with permessage-deflate (context takeover, every message compressed); the dissector,
// fed the tapped chunks as TCP delivered them, must produce what each peer received.
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { drive, upgradeFromHeads } from './frames.js';

interface Tapped {
  c2s: Buffer[];
  s2c: Buffer[];
}

function listen(server: Server | WebSocketServer): Promise<number> {
  return new Promise((res) => {
    if (server instanceof WebSocketServer) server.on('listening', () => res((server.address() as AddressInfo).port));
    else server.listen(0, '127.0.0.1', () => res((server.address() as AddressInfo).port));
  });
}

/** Headers end at the first blank line; the rest of that direction is WebSocket. */
function splitHead(chunks: Buffer[]): { head: string; rest: Buffer[] } {
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n') + 4;
  // Keep the original chunk boundaries after the head.
  const rest: Buffer[] = [];
  let off = 0;
  for (const c of chunks) {
    const from = Math.max(end - off, 0);
    if (from < c.length) rest.push(c.subarray(from));
    off += c.length;
  }
  return { head: all.subarray(0, end).toString('latin1'), rest };
}

describe('WebSocket dissector on real ws traffic (loopback)', () => {
  it('decodes what a ws client and server said, compressed with context takeover', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    const serverPort = await listen(wss);
    const tap: Tapped = { c2s: [], s2c: [] };
    const proxy = createServer((down) => {
      const up = connect(serverPort, '127.0.0.1');
      down.on('data', (b) => {
        tap.c2s.push(Buffer.from(b));
        up.write(b);
      });
      up.on('data', (b) => {
        tap.s2c.push(Buffer.from(b));
        down.write(b);
      });
      down.on('end', () => up.end());
      up.on('end', () => down.end());
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
    });
    const proxyPort = await listen(proxy);

    const receivedByServer: string[] = [];
    const receivedByClient: string[] = [];
    const show = (data: WebSocket.RawData, isBinary: boolean) => (isBinary ? `binary ${Buffer.from(data as Buffer).toString('hex')}` : `text ${data.toString()}`);
    wss.on('connection', (s) => {
      s.on('message', (data, isBinary) => {
        receivedByServer.push(show(data, isBinary));
        s.send(data, { binary: isBinary }); // echo
      });
      s.on('ping', (d) => receivedByServer.push(`ping ${d.toString()}`));
      s.send(Buffer.alloc(100_000, 7), { binary: true });
      s.send('ünïcödé 🎉 from the server');
    });
    const client = new WebSocket(`ws://127.0.0.1:${proxyPort}/chat`, { perMessageDeflate: true });
    client.on('message', (data, isBinary) => receivedByClient.push(show(data, isBinary)));
    client.on('pong', (d) => receivedByClient.push(`pong ${d.toString()}`));
    await new Promise((res) => client.on('open', res));
    client.send('{"type":"login","client_name":"mynick","room_id":"1"}');
    client.send('{"type":"say","to_client_id":"all","content":"hi, all ！"}');
    client.send('');
    client.send(Buffer.from([0, 1, 2, 3, 254, 255]));
    // A fragmented compressed message: three frames, RSV1 on the first only.
    client.send('part one, ', { fin: false });
    client.send('part two, ', { fin: false });
    client.send('part three', { fin: true });
    client.ping('are you there');
    // 2 server messages, 5 echoes, 1 pong.
    await new Promise<void>((res) => {
      const check = () => (receivedByClient.length >= 8 ? res() : setTimeout(check, 10));
      check();
    });
    client.close(1000, 'done');
    await new Promise((res) => client.on('close', res));
    await new Promise((res) => setTimeout(res, 50));
    wss.close();
    proxy.close();

    const req = splitHead(tap.c2s);
    const res = splitHead(tap.s2c);
    expect(res.head).toMatch(/^HTTP\/1\.1 101/);
    expect(res.head).toMatch(/Sec-WebSocket-Extensions: permessage-deflate/);
    const t = drive(upgradeFromHeads(req.head, res.head));
    // Deliver each direction's chunks in order, alternating as the peers did.
    for (let i = 0; i < Math.max(req.rest.length, res.rest.length); i++) {
      if (req.rest[i]) t.c2s(req.rest[i]!);
      if (res.rest[i]) t.s2c(res.rest[i]!);
    }
    t.dissector.end(0n, 0);
    const ours = (dir: string) =>
      t
        .messages()
        .filter((m) => m.dir === dir && m.kind !== 'close' && (m.kind !== 'ping' || dir === 'c2s') && (m.kind !== 'pong' || dir === 's2c'))
        .map((m) => (m.kind === 'text' ? `text ${m.text}` : m.kind === 'binary' ? `binary ${Buffer.from(m.payload).toString('hex')}` : `${m.kind} ${Buffer.from(m.payload).toString()}`));
    expect(ours('c2s')).toEqual(receivedByServer);
    expect(ours('s2c')).toEqual(receivedByClient);
    const all = t.messages();
    expect(all.filter((m) => m.kind === 'text' || m.kind === 'binary').every((m) => m.compressed)).toBe(true);
    expect(all.find((m) => m.text === 'part one, part two, part three')?.frames).toBe(3);
    expect(all.filter((m) => m.kind === 'close').map((m) => [m.dir, m.closeCode, m.closeReason])).toEqual([
      ['c2s', 1000, 'done'],
      ['s2c', 1000, 'done'],
    ]);
    expect(all.flatMap((m) => m.warnings)).toEqual([]);
  });
});
