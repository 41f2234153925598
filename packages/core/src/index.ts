/**
 * `@netrx/core`: the types, registry and plugin API every netrx package shares, the base packet
 * dissectors (link layers, IPv4, IPv6, UDP, and the tunnels: VXLAN, Geneve, GTP-U, GRE and
 * ERSPAN, IP in IP, MPLS, PPPoE and PPP) and the `dissect()` operator.
 *
 * @packageDocumentation
 * @module @netrx/core
 */
export { concatBytes, copyBytes } from './bytes.js';
export { LinkType, formatTimestamp, timestampSecond } from './frame.js';
export type { CapturedFrame } from './frame.js';
export type { Diagnostic, Severity } from './diagnostic.js';
export { findLayer } from './layer.js';
export type { FailureLayer, Layer, LayerBase, LayerMap, Packet } from './layer.js';
export type {
  EthernetLayer,
  Ipv4Layer,
  Ipv6ExtensionHeader,
  Ipv6Layer,
  NullLayer,
  Sll2Layer,
  SllLayer,
  UdpLayer,
  VlanLayer,
} from './layers.js';
export type {
  ErspanLayer,
  GeneveLayer,
  GreLayer,
  GtpuLayer,
  MplsLayer,
  PppLayer,
  PppoeLayer,
  PwControlWordLayer,
  VxlanLayer,
} from './tunnel-layers.js';
export { ErrorCodes, NetrxError } from './errors.js';
export { DEFAULT_MEMORY_BUDGET, MemoryBudget } from './memory-budget.js';
export type { MemoryReclaimer } from './memory-budget.js';
export { DissectCodes, diagnostic, failure } from './failure.js';
export type { DissectCode } from './failure.js';
export { FrameDissector, createDissectStats, dissect } from './dissect.js';
export type { DissectOptions, DissectStats } from './dissect.js';
export { corePlugin } from './core-plugin.js';
export type { FragmentReassemblyOptions, FragmentStats } from './fragment-reassembler.js';
export { ipv4ToString } from './ipv4.js';
export { ipv6ToString } from './ipv6-address.js';
export type { ErrorCode } from './errors.js';
export { CORE_VERSION } from './version.js';
export { DissectorTable, HeuristicList, Registry } from './registry.js';
export type { DecodeAsRule, DissectorTables, HeuristicLists, TableKey } from './registry.js';
export { createRegistry, definePlugin } from './plugin.js';
export type { NetrxPlugin } from './plugin.js';
export { monotonicClock } from './clock.js';
export type { Clock } from './clock.js';
export { appEventJsonHead, connectionJsonFields, formatEndpoint } from './stream.js';
export type {
  AppEvent,
  AppEventBase,
  AppEventMap,
  ClientDecision,
  CloseReason,
  Connection,
  ConnectionVia,
  Direction,
  DirectionStats,
  Endpoint,
  StreamClose,
  StreamData,
  StreamErrorEvent,
  StreamEvent,
  StreamGap,
  StreamOpen,
} from './stream.js';
export { streamErrorEvent } from './stream.js';
export type {
  ClientDecider,
  DissectContext,
  DissectState,
  PacketDissector,
  ProbeResult,
  StreamProbe,
  StreamProbeVerdict,
  StreamContext,
  StreamDissector,
  StreamDissectorFactory,
} from './dissector.js';
