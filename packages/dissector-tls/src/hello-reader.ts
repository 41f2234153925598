/**
 * A bounds-checked reader over a handshake message body: every read checks what is left, and a
 * read past the end sets {@link HelloReader.bad} and returns zeros/empty views instead of throwing.
 *
 * @internal
 */
export class HelloReader {
  /** Set once a read went past the end. */
  bad = false;

  constructor(
    private readonly b: Uint8Array,
    public pos = 0,
    private readonly end = b.length,
  ) {}

  /** Bytes left. */
  get left(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos + 1 > this.end) return this.overrun(0);
    return this.b[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) return this.overrun(0);
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) {
      this.overrun(0);
      return new Uint8Array(0);
    }
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A vector with a 1- or 2-byte length prefix, as a view. */
  vector(lengthBytes: 1 | 2): Uint8Array {
    const n = lengthBytes === 1 ? this.u8() : this.u16();
    return this.bytes(n);
  }

  /** A reader over a vector with a 1- or 2-byte length prefix; this reader moves past it. */
  sub(lengthBytes: 1 | 2): HelloReader {
    const v = this.vector(lengthBytes);
    return new HelloReader(v);
  }

  private overrun(v: number): number {
    this.bad = true;
    this.pos = this.end;
    return v;
  }
}

/** One extension: its type and a view of its data. */
export interface HelloExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** Reads an `extensions<..2^16-1>` block; undefined when it is malformed. */
export function readExtensions(r: HelloReader): HelloExtension[] | undefined {
  const block = r.sub(2);
  if (r.bad) return undefined;
  const out: HelloExtension[] = [];
  while (block.left > 0) {
    const type = block.u16();
    const data = block.vector(2);
    if (block.bad) return undefined;
    out.push({ type, data });
  }
  return out;
}

/** Extension types this package reads (IANA TLS ExtensionType registry). */
export const ExtensionType = {
  serverName: 0,
  alpn: 16,
  sessionTicket: 35,
  preSharedKey: 41,
  earlyData: 42,
  supportedVersions: 43,
  keyShare: 51,
} as const;

const latin1 = new TextDecoder('latin1');

/** Reads an ALPN `ProtocolNameList` (RFC 7301 §3.1); undefined when malformed. */
export function readAlpn(data: Uint8Array): string[] | undefined {
  const r = new HelloReader(data);
  const list = r.sub(2);
  if (r.bad) return undefined;
  const out: string[] = [];
  while (list.left > 0) {
    const name = list.vector(1);
    if (list.bad) return undefined;
    out.push(latin1.decode(name));
  }
  return out;
}

/** Formats a protocol version number as `TLSv1.2`, `TLSv1.3`, `SSLv3` or `0x....`. */
export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}
