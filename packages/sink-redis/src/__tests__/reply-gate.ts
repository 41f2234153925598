// A TCP proxy between a sink and redis-server that counts the XADDs the sink has put on the wire
// and, once closed, holds Redis' replies back until released one by one: it shows how many
// commands a client sends without waiting for replies (pipelining) and what it sends when some
// replies arrive.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** The proxy; {@link ReplyGate.port} is where the sink connects. */
export interface ReplyGate {
  readonly port: number;
  /** XADD commands received from the client so far (on every connection). */
  readonly xadds: number;
  /** Replies held back (whole RESP replies). */
  readonly held: number;
  /** From now on, hold Redis' replies instead of passing them on. */
  close(): void;
  /** Passes the `n` oldest held replies on. */
  release(n: number): void;
  /** Passes every held reply on and stops holding. */
  open(): void;
  /** Stops listening and drops the connections. */
  stop(): Promise<void>;
}

/** `*N\r\n$4\r\nXADD\r\n`'s tail: every XADD the sink sends starts with it (RESP arrays of bulk strings). */
const XADD = Buffer.from('$4\r\nXADD\r\n');

/** Starts a gate in front of 127.0.0.1:`redisPort`, passing everything through until {@link ReplyGate.close}. */
export async function startReplyGate(redisPort: number): Promise<ReplyGate> {
  let xadds = 0;
  let holding = false;
  /** Complete replies held, oldest first, and the bytes of an incomplete one. */
  const held: Buffer[] = [];
  let partial = Buffer.alloc(0);
  let downstream: Socket | undefined;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    downstream = client;
    let tail = Buffer.alloc(0);
    client.on('data', (b: Buffer) => {
      // Count across chunk boundaries: keep the last bytes that could start a match.
      const text = Buffer.concat([tail, b]);
      for (let i = text.indexOf(XADD); i >= 0; i = text.indexOf(XADD, i + XADD.length)) xadds++;
      tail = text.subarray(Math.max(0, text.length - (XADD.length - 1)));
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (!holding) return void client.write(b);
      partial = Buffer.concat([partial, b]);
      for (let end = replyEnd(partial, 0); end > 0; end = replyEnd(partial, 0)) {
        held.push(partial.subarray(0, end));
        partial = partial.subarray(end);
      }
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    get xadds() {
      return xadds;
    },
    get held() {
      return held.length;
    },
    close: () => {
      holding = true;
    },
    release: (n) => {
      if (n > held.length) throw new Error(`only ${held.length} replies are held, not ${n}`);
      downstream!.write(Buffer.concat(held.splice(0, n)));
    },
    open: () => {
      holding = false;
      downstream?.write(Buffer.concat([...held.splice(0), partial]));
      partial = Buffer.alloc(0);
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The offset just past the RESP2 reply starting at `at`, or -1 if `b` does not hold all of it yet. */
function replyEnd(b: Buffer, at: number): number {
  const eol = b.indexOf('\r\n', at);
  if (eol < 0) return -1;
  const type = String.fromCharCode(b[at]!);
  if (type === '+' || type === '-' || type === ':') return eol + 2;
  const n = Number(b.toString('latin1', at + 1, eol));
  if (type === '$') return n < 0 ? eol + 2 : b.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 : -1;
  if (type === '*') {
    let end = eol + 2;
    for (let i = 0; i < n; i++) {
      end = replyEnd(b, end);
      if (end < 0) return -1;
    }
    return end;
  }
  throw new Error(`not a RESP2 reply: ${JSON.stringify(b.toString('latin1', at, at + 20))}`);
}
