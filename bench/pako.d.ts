/** The part of pako 2 (a dependency of `@netrx/dissector-websocket`, untyped) the generator uses. */
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
