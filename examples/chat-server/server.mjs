#!/usr/bin/env node
// A small chat server speaking workerman-chat's protocol over WebSocket (the `ws` package, with
// permessage-deflate), plus the static browser page. Run: `node server.mjs` (ws :7272, page :55151).
//
// Protocol (JSON text messages, as workerman-chat's Events.php):
//   client → server  {"type":"login","client_name":"mynick","room_id":"1"}
//                    {"type":"say","to_client_id":"all","content":"hi, all ！"}
//                    {"type":"pong"}                      (answer to the server's ping)
//   server → room    {"type":"login","client_id":…,"client_name":…,"time":…}
//                    (the new client's copy also carries "client_list")
//                    {"type":"say","from_client_id":…,"from_client_name":…,"to_client_id":"all","content":…,"time":…}
//                    {"type":"logout","from_client_id":…,"from_client_name":…,"time":…}
//   server → client  {"type":"ping"}                      (heartbeat, after login and every pingInterval)
// Beyond workerman-chat: a binary message is echoed back to its sender, and after login the server
// also sends one WebSocket-level ping (opcode 0x9) so captures show a control frame.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const page = fileURLToPath(new URL('./public/index.html', import.meta.url));

/** `2026-11-24 03:40:00`, workerman-chat's `date('Y-m-d H:i:s')`. */
function now() {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * Starts the chat server. Resolves once both ports listen.
 * @param {{ port?: number, httpPort?: number | null, host?: string, deflate?: boolean, pingIntervalMs?: number }} [opts]
 * @returns {Promise<{ port: number, httpPort: number | null, close(): Promise<void> }>}
 */
export async function startChatServer(opts = {}) {
  const { port = 7272, httpPort = 55151, host = '127.0.0.1', deflate = true, pingIntervalMs = 25_000 } = opts;
  // threshold 0: compress every data message, however short, so captures show what browsers
  // and real servers do with permessage-deflate (RFC 7692).
  const wss = new WebSocketServer({ port, host, perMessageDeflate: deflate ? { threshold: 0 } : false });
  /** @type {Map<import('ws').WebSocket, { id: string, name: string }>} */
  const clients = new Map();
  let nextId = 1;
  const broadcast = (msg) => {
    const text = JSON.stringify(msg);
    for (const ws of clients.keys()) ws.send(text);
  };

  wss.on('connection', (ws) => {
    const id = `7f000001${String(nextId++).padStart(12, '0')}`;
    let timer;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(data, { binary: true });
        return;
      }
      let m;
      try {
        m = JSON.parse(data.toString('utf8'));
      } catch {
        return;
      }
      switch (m?.type) {
        case 'pong':
          return;
        case 'login': {
          const name = String(m.client_name ?? 'guest');
          clients.set(ws, { id, name });
          const msg = { type: 'login', client_id: id, client_name: name, time: now() };
          for (const other of clients.keys()) if (other !== ws) other.send(JSON.stringify(msg));
          const list = Object.fromEntries([...clients.values()].map((c) => [c.id, c.name]));
          ws.send(JSON.stringify({ ...msg, client_list: list }));
          const ping = () => ws.send(JSON.stringify({ type: 'ping' }));
          ping();
          ws.ping(Buffer.from('heartbeat'));
          timer = setInterval(ping, pingIntervalMs);
          return;
        }
        case 'say': {
          const from = clients.get(ws);
          if (!from) return;
          broadcast({
            type: 'say',
            from_client_id: from.id,
            from_client_name: from.name,
            to_client_id: 'all',
            content: String(m.content ?? ''),
            time: now(),
          });
          return;
        }
      }
    });
    ws.on('close', () => {
      clearInterval(timer);
      const who = clients.get(ws);
      clients.delete(ws);
      if (who) broadcast({ type: 'logout', from_client_id: who.id, from_client_name: who.name, time: now() });
    });
  });

  const httpServer =
    httpPort === null
      ? null
      : createServer(async (req, res) => {
          if (req.url !== '/' && req.url !== '/index.html') {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await readFile(page));
        });
  await Promise.all([
    new Promise((res, rej) => wss.once('listening', res).once('error', rej)),
    httpServer && new Promise((res, rej) => httpServer.listen(httpPort, host, res).once('error', rej)),
  ]);
  return {
    port: wss.address().port,
    httpPort: httpServer ? httpServer.address().port : null,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await Promise.all([
        new Promise((res) => wss.close(() => res())),
        httpServer && new Promise((res) => httpServer.close(() => res())),
      ]);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const srv = await startChatServer({ port: Number(process.env.PORT ?? 7272), httpPort: Number(process.env.HTTP_PORT ?? 55151) });
  console.log(`chat server: ws://127.0.0.1:${srv.port}  page: http://127.0.0.1:${srv.httpPort}/`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
