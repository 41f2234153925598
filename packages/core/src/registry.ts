import { NetrxError } from './errors.js';
import type { PacketDissector } from './dissector.js';

/**
 * Tables that map a key (a port, an ethertype, an upgrade token) to a dissector. Core declares
 * its own (link types, ethertypes, IP protocols, UDP ports); packages add theirs by declaration
 * merging, which types `registry.table(name)`:
 *
 * ```ts
 * declare module '@netrx/core' {
 *   interface DissectorTables { 'myproto.type': PacketDissector }
 * }
 * ```
 */
export interface DissectorTables {
  /** Link-layer type of the capture → link dissector. */
  'link.type': PacketDissector;
  /** Ethertype (also used by SLL protocol fields and BSD NULL families mapped to ethertypes). */
  ethertype: PacketDissector;
  /** IPv4 protocol / IPv6 next header → transport dissector. */
  'ip.proto': PacketDissector;
  /** UDP port → payload dissector (destination port first, then source). */
  'udp.port': PacketDissector;
  /**
   * MPLS bottom-of-stack label → payload dissector: empty by default (IPv4 and IPv6 are told by
   * their first nibble), for decode-as rules (`mpls.label==100,ethernet` for an Ethernet pseudowire).
   */
  'mpls.label': PacketDissector;
  /** PPP protocol field → payload dissector (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS). */
  'ppp.proto': PacketDissector;
}

/**
 * Heuristic lists: dissectors that look at the data to decide. Core declares `udp`; packages add
 * theirs by declaration merging (`@netrx/dissector-tcp` adds its stream heuristics this way).
 */
export interface HeuristicLists {
  /** UDP payload heuristics: `decode` is tried and a failure layer counts as a reject. */
  udp: PacketDissector;
  /**
   * What follows an MPLS label stack when it is not IP: tried as the `udp` list is. Core adds
   * the Ethernet pseudowire with a control word (`pwethcw`) switched off, as Wireshark does;
   * enable it by name or name it in a decode-as rule (`mpls.label==100,pwethcw`).
   */
  mpls: PacketDissector;
}

/** A key of a dissector table. */
export type TableKey = number | string;

/** A table from key to dissector. Lookups are a single `Map.get`. */
export class DissectorTable<V> {
  private readonly map = new Map<TableKey, V>();

  constructor(
    /** The table's name (`tcp.port`). */
    readonly name: string,
    private readonly onAdd: (value: V) => void = () => {},
  ) {}

  /** Sets the dissector for a key, replacing any earlier one (as Wireshark's `dissector_add_uint`). */
  add(key: TableKey, value: V): this {
    this.map.set(key, value);
    this.onAdd(value);
    return this;
  }

  /** The dissector for a key, or undefined. */
  get(key: TableKey): V | undefined {
    return this.map.get(key);
  }

  /** Removes a key; returns whether it was there. */
  delete(key: TableKey): boolean {
    return this.map.delete(key);
  }

  /** Every key and its dissector. */
  entries(): IterableIterator<[TableKey, V]> {
    return this.map.entries();
  }
}

interface HeuristicEntry<V> {
  readonly value: V;
  readonly name: string;
  readonly priority: number;
  enabled: boolean;
}

/**
 * An ordered list of heuristic dissectors: higher priority first, then in the order added.
 * A heuristic may be added disabled (as Wireshark's are, off by default) and enabled by name.
 */
export class HeuristicList<V> {
  private readonly list: HeuristicEntry<V>[] = [];
  private activeCache: readonly V[] = [];

  constructor(
    /** The list's name (`tcp`). */
    readonly name: string,
    private readonly onAdd: (value: V) => void = () => {},
  ) {}

  /** Adds a heuristic: higher `priority` is tried first; `enabled: false` adds it switched off. */
  add(value: V, options: { name?: string; priority?: number; enabled?: boolean } = {}): this {
    const name = options.name ?? nameOf(value) ?? `${this.name}#${this.list.length}`;
    this.list.push({ value, name, priority: options.priority ?? 0, enabled: options.enabled ?? true });
    // Stable sort keeps insertion order among equal priorities.
    this.list.sort((a, b) => b.priority - a.priority);
    this.refresh();
    this.onAdd(value);
    return this;
  }

  /** Turns a heuristic on or off by name; returns false when there is none by that name. */
  setEnabled(name: string, enabled: boolean): boolean {
    const entry = this.list.find((e) => e.name === name);
    if (!entry) return false;
    entry.enabled = enabled;
    this.refresh();
    return true;
  }

  /** The enabled heuristics in the order they are tried. */
  get active(): readonly V[] {
    return this.activeCache;
  }

  private refresh(): void {
    this.activeCache = this.list.filter((e) => e.enabled).map((e) => e.value);
  }
}

/**
 * A user's rule forcing a dissector, as tshark's `-d`: `tcp.port==7272,websocket`.
 */
export interface DecodeAsRule {
  /** The table the rule applies to (`tcp.port`). */
  readonly table: string;
  /** The key it forces (a port, a token). */
  readonly key: TableKey;
  /** The name of the dissector it forces. */
  readonly dissector: string;
}

/** Parses `table==key,dissector`. Throws `ERR_DECODE_AS_SYNTAX` on anything else. */
export function parseDecodeAs(rule: string): DecodeAsRule {
  const m = /^\s*([a-z0-9_.]+)\s*==\s*([^,\s]+)\s*,\s*([A-Za-z0-9_.-]+)\s*$/.exec(rule);
  if (!m) {
    throw new NetrxError(
      'ERR_DECODE_AS_SYNTAX',
      `decode-as rule "${rule}" is not of the form table==value,dissector (e.g. udp.port==4789,vxlan)`,
    );
  }
  const raw = m[2]!;
  const key: TableKey = /^(0x[0-9a-f]+|\d+)$/i.test(raw) ? Number(raw) : raw;
  return { table: m[1]!, key, dissector: m[3]! };
}

function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { name?: unknown; protocol?: unknown };
  if (typeof v.name === 'string') return v.name;
  if (typeof v.protocol === 'string') return v.protocol;
  return undefined;
}

/**
 * Holds a pipeline's dissector tables, heuristic lists and decode-as rules. Tables are declared in
 * plugins' `register` phase and filled in their `handoff` phase.
 */
export class Registry {
  private readonly tables = new Map<string, DissectorTable<unknown>>();
  private readonly heuristicLists = new Map<string, HeuristicList<unknown>>();
  private readonly named = new Map<string, unknown>();
  private readonly rules = new Map<string, Map<TableKey, unknown>>();

  /** Declares a dissector table. Throws `ERR_TABLE_DUPLICATE` if it exists. */
  addTable<K extends keyof DissectorTables>(name: K): DissectorTable<DissectorTables[K]>;
  addTable<V>(name: string): DissectorTable<V>;
  addTable(name: string): DissectorTable<unknown> {
    if (this.tables.has(name)) throw new NetrxError('ERR_TABLE_DUPLICATE', `dissector table "${name}" is declared twice`);
    const table = new DissectorTable<unknown>(name, (v) => this.remember(v));
    this.tables.set(name, table);
    return table;
  }

  /** Declares a heuristic list. Throws `ERR_TABLE_DUPLICATE` if it exists. */
  addHeuristics<K extends keyof HeuristicLists>(name: K): HeuristicList<HeuristicLists[K]>;
  addHeuristics<V>(name: string): HeuristicList<V>;
  addHeuristics(name: string): HeuristicList<unknown> {
    if (this.heuristicLists.has(name)) throw new NetrxError('ERR_TABLE_DUPLICATE', `heuristic list "${name}" is declared twice`);
    const list = new HeuristicList<unknown>(name, (v) => this.remember(v));
    this.heuristicLists.set(name, list);
    return list;
  }

  /** A declared table. Throws `ERR_TABLE_UNKNOWN` when no plugin declared it. */
  table<K extends keyof DissectorTables>(name: K): DissectorTable<DissectorTables[K]>;
  table<V>(name: string): DissectorTable<V>;
  table(name: string): DissectorTable<unknown> {
    const t = this.tables.get(name);
    if (!t) throw new NetrxError('ERR_TABLE_UNKNOWN', `no dissector table "${name}": is the plugin that declares it registered?`);
    return t;
  }

  /** Whether a table by this name is declared. */
  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  /** A declared heuristic list. Throws `ERR_TABLE_UNKNOWN` when no plugin declared it. */
  heuristics<K extends keyof HeuristicLists>(name: K): HeuristicList<HeuristicLists[K]>;
  heuristics<V>(name: string): HeuristicList<V>;
  heuristics(name: string): HeuristicList<unknown> {
    const h = this.heuristicLists.get(name);
    if (!h) throw new NetrxError('ERR_TABLE_UNKNOWN', `no heuristic list "${name}": is the plugin that declares it registered?`);
    return h;
  }

  /**
   * Any dissector added to a table or heuristic list, by its `name` (stream dissectors) or
   * `protocol` (packet dissectors). Decode-as rules name dissectors this way.
   */
  byName<V = unknown>(name: string): V | undefined {
    return this.named.get(name) as V | undefined;
  }

  /**
   * Adds a decode-as rule (`tcp.port==7272,websocket`). The table and the dissector must exist:
   * add rules after the plugins are registered.
   */
  addDecodeAs(rule: string | DecodeAsRule): DecodeAsRule {
    const r = typeof rule === 'string' ? parseDecodeAs(rule) : rule;
    if (!this.tables.has(r.table)) {
      throw new NetrxError('ERR_DECODE_AS_UNKNOWN', `decode-as: no dissector table "${r.table}" (known: ${[...this.tables.keys()].join(', ')})`);
    }
    const d = this.named.get(r.dissector);
    if (d === undefined) {
      throw new NetrxError('ERR_DECODE_AS_UNKNOWN', `decode-as: no dissector named "${r.dissector}" (known: ${[...this.named.keys()].join(', ')})`);
    }
    let m = this.rules.get(r.table);
    if (!m) this.rules.set(r.table, (m = new Map()));
    m.set(r.key, d);
    return r;
  }

  /** The dissector a decode-as rule forces for this table and key, if any. */
  decodeAs<K extends keyof DissectorTables>(table: K, key: TableKey): DissectorTables[K] | undefined;
  decodeAs<V>(table: string, key: TableKey): V | undefined;
  decodeAs(table: string, key: TableKey): unknown {
    return this.rules.get(table)?.get(key);
  }

  /** Whether any decode-as rule exists for this table (lets hot paths skip the lookup). */
  hasDecodeAs(table: string): boolean {
    return this.rules.has(table);
  }

  private remember(value: unknown): void {
    const name = nameOf(value);
    if (name !== undefined && !this.named.has(name)) this.named.set(name, value);
  }
}
