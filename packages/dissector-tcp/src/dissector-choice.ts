import { NetrxError, type Connection, type DissectorTable, type Registry, type StreamDissectorFactory } from '@netrx/core';

/** How much stream dispatch buffers while it chooses a dissector and while a dissector waits for more. */
export interface StreamDispatchLimits {
  /** Most bytes a heuristic is shown when it does not say (`probeBytes`; default 512). */
  readonly defaultProbeBytes?: number;
  /** Most bytes buffered per connection while heuristics decide; past it the stream is raw (default 64 KiB). */
  readonly maxProbeBuffer?: number;
  /** Most bytes buffered for a dissector that asked for more before calling it anyway (default 1 MiB). */
  readonly maxNeedBuffer?: number;
}

/** {@link StreamDispatchLimits} with the defaults applied. */
export interface Limits {
  readonly probeBytes: number;
  readonly maxProbe: number;
  readonly maxNeed: number;
}

/**
 * Applies the defaults. Throws `ERR_INVALID_OPTION` (naming `caller`) for a limit that is not a
 * positive number: a configuration mistake, reported where the pipeline is built.
 */
export function dispatchLimits(options: StreamDispatchLimits, caller: string): Limits {
  return {
    probeBytes: positive(options.defaultProbeBytes, 512, 'defaultProbeBytes', caller),
    maxProbe: positive(options.maxProbeBuffer, 64 * 1024, 'maxProbeBuffer', caller),
    maxNeed: positive(options.maxNeedBuffer, 1024 * 1024, 'maxNeedBuffer', caller),
  };
}

/**
 * The registry's part of choosing a connection's dissector, looked up once (per pipeline, or per
 * unwrapped stream): decode-as rules and the port table on `tcp.port`, and the active `tcp`
 * heuristics. `exclude` is never chosen (a dissector that unwraps a layer, which the port table
 * names for its own port, must not be handed its own plaintext).
 */
export class DissectorChoice {
  private readonly table: DissectorTable<StreamDissectorFactory> | undefined;
  private readonly decodeAs: boolean;
  /** The `tcp` heuristics in the order they are tried. */
  readonly heuristics: readonly StreamDissectorFactory[];

  constructor(
    private readonly registry: Registry,
    readonly limits: Limits,
    private readonly exclude?: StreamDissectorFactory,
  ) {
    this.table = registry.hasTable('tcp.port') ? registry.table('tcp.port') : undefined;
    let heuristics: readonly StreamDissectorFactory[];
    try {
      heuristics = registry.heuristics('tcp').active;
    } catch {
      heuristics = [];
    }
    this.heuristics = exclude === undefined ? heuristics : heuristics.filter((h) => h !== exclude);
    this.decodeAs = registry.hasDecodeAs('tcp.port');
  }

  /**
   * Steps 2 and 4 of the order: a decode-as rule on `tcp.port`, then the `tcp.port` table, each
   * for the server's port, then the client's. Undefined when neither names a dissector.
   */
  byPort(c: Connection): StreamDissectorFactory | undefined {
    const server = c.server.port;
    const client = c.client.port;
    if (this.decodeAs) {
      const forced = this.usable(this.registry.decodeAs('tcp.port', server)) ?? this.usable(this.registry.decodeAs('tcp.port', client));
      if (forced !== undefined) return forced;
    }
    const t = this.table;
    return t === undefined ? undefined : (this.usable(t.get(server)) ?? this.usable(t.get(client)));
  }

  private usable(f: StreamDissectorFactory | undefined): StreamDissectorFactory | undefined {
    return f === this.exclude ? undefined : f;
  }
}

function positive(v: number | undefined, dflt: number, name: string, caller: string): number {
  if (v === undefined) return dflt;
  if (!(v > 0)) throw new NetrxError('ERR_INVALID_OPTION', `${caller}: ${name} must be a positive number, not ${String(v)}`);
  return v;
}
