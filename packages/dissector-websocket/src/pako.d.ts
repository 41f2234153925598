// pako 2 ships no type declarations; this declares the part of its API netrx uses.
declare module 'pako' {
  interface InflateOptions {
    raw?: boolean;
    windowBits?: number;
    chunkSize?: number;
    /** History a raw stream's back-references may reach (set before the first block). */
    dictionary?: Uint8Array;
  }
  class Inflate {
    constructor(options?: InflateOptions);
    /** Feeds input; returns false on a data error (then `err` and `msg` say what). */
    push(data: Uint8Array, flushMode?: number | boolean): boolean;
    onData(chunk: Uint8Array): void;
    readonly err: number;
    readonly msg: string;
    readonly ended: boolean;
    /** The zlib stream state; netrx sets the output buffer before a push to reuse one buffer. */
    readonly strm: { output: Uint8Array; next_out: number; avail_out: number };
  }
  const pako: { Inflate: typeof Inflate };
  export { Inflate };
  export default pako;
}
