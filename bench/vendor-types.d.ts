/** The part of pako 2 (a dependency of `@netrx/dissector-websocket`, untyped) the generator falls back to. */
declare module 'pako' {
  export class Deflate {
    constructor(options?: { raw?: boolean; level?: number; windowBits?: number; memLevel?: number });
    push(data: Uint8Array, flush: number | boolean): boolean;
    onData(chunk: Uint8Array): void;
    err: number;
    msg: string;
  }
  const pako: { Deflate: typeof Deflate; constants: { Z_SYNC_FLUSH: number } };
  export default pako;
}

/** The part of pcap-parser (a dev dependency, untyped) the generator's tests use as an independent reader. */
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  const pcapp: { parse(input: string | NodeJS.ReadableStream): EventEmitter };
  export default pcapp;
}
