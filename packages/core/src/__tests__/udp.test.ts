import { describe, expect, it } from 'vitest';
import { LinkType } from '../frame.js';
import { corePlugin } from '../core-plugin.js';
import { FrameDissector } from '../dissect.js';
import type { PacketDissector } from '../dissector.js';
import { failure } from '../failure.js';
import type { LayerBase } from '../layer.js';
import { createRegistry, definePlugin } from '../plugin.js';
import { ipv4, udp } from '../../../../test-support/packets.js';
import { dissectOne, frameOf, layerAt, names } from './helpers.js';

interface ToyLayer extends LayerBase {
  readonly protocol: 'toy';
  readonly magic: number;
}
declare module '../layer.js' {
  interface LayerMap {
    toy: ToyLayer;
  }
}

/** A toy protocol: first byte 0x7e, then a payload. */
const toy: PacketDissector<ToyLayer> = {
  protocol: 'toy',
  decode(data, ctx) {
    if (data[0] !== 0x7e) return failure('toy', 'ERR_TOY_MAGIC', 'no magic', data, ctx);
    return { protocol: 'toy', offset: ctx.offset, headerLength: 1, payload: data.subarray(1), magic: data[0] };
  },
};

const toyByPort = definePlugin({ name: 'toy-port', coreVersion: '^0.1.0', dependencies: ['core'], handoff: (r) => void r.table('udp.port').add(9999, toy) });
const toyHeuristic = definePlugin({ name: 'toy-heur', coreVersion: '^0.1.0', dependencies: ['core'], handoff: (r) => void r.heuristics('udp').add(toy) });

const dgram = (data: number[], src: number, dst: number): Uint8Array => ipv4(udp(Uint8Array.from(data), src, dst), { proto: 17 });

describe('UDP', () => {
  it('decodes the header and cuts the payload to the UDP length', () => {
    const bytes = dgram([1, 2, 3], 5353, 53);
    const p = dissectOne(LinkType.RAW, bytes);
    const l = layerAt(p, 1, 'udp');
    expect(l).toMatchObject({ srcPort: 5353, dstPort: 53, length: 11, offset: 20, headerLength: 8 });
    expect(l.checksum).toBe((bytes[26]! << 8) | bytes[27]!);
    expect([...l.payload]).toEqual([1, 2, 3]);
    // UDP length 9 inside a larger IP payload: the extra byte is not UDP payload.
    const short = Uint8Array.from(bytes);
    short[25] = 9;
    expect([...layerAt(dissectOne(LinkType.RAW, short), 1, 'udp').payload]).toEqual([1]);
  });

  it('fails on a length under 8 or a cut header; flags a length past the data', () => {
    const bad = dgram([1, 2, 3], 1, 2);
    bad[25] = 7;
    expect(layerAt(dissectOne(LinkType.RAW, bad), 1, 'failure')).toMatchObject({ code: 'ERR_UDP_BAD_LENGTH', offset: 24 });
    const cut = ipv4(udp(new Uint8Array(0), 1, 2).subarray(0, 6), { proto: 17 });
    expect(layerAt(dissectOne(LinkType.RAW, cut), 1, 'failure')).toMatchObject({ code: 'ERR_UDP_TRUNCATED', offset: 20 });
    const long = dgram([1, 2, 3], 1, 2);
    long[25] = 50;
    const l = layerAt(dissectOne(LinkType.RAW, long), 1, 'udp');
    expect(l.diagnostics?.[0]?.code).toBe('WARN_UDP_TRUNCATED');
    expect(l.payload.length).toBe(3);
  });

  it('dispatches by destination port, then source port', () => {
    const d = new FrameDissector(createRegistry([corePlugin, toyByPort]));
    expect(names(d.dissect(frameOf(LinkType.RAW, dgram([0x7e, 1], 40000, 9999))))).toEqual(['ipv4', 'udp', 'toy']);
    const reply = d.dissect(frameOf(LinkType.RAW, dgram([0x7e, 1], 9999, 40000)));
    expect(names(reply)).toEqual(['ipv4', 'udp', 'toy']);
    expect(layerAt(reply, 2, 'toy').offset).toBe(28);
    expect(names(d.dissect(frameOf(LinkType.RAW, dgram([0x7e], 1, 2))))).toEqual(['ipv4', 'udp']);
  });

  it('tries the udp heuristics when no port matches; a failure is a reject', () => {
    const d = new FrameDissector(createRegistry([corePlugin, toyHeuristic]));
    const hit = d.dissect(frameOf(LinkType.RAW, dgram([0x7e, 5], 1, 2)));
    expect(names(hit)).toEqual(['ipv4', 'udp', 'toy']);
    expect(layerAt(hit, 2, 'toy').payload[0]).toBe(5);
    expect(names(d.dissect(frameOf(LinkType.RAW, dgram([0x00, 5], 1, 2))))).toEqual(['ipv4', 'udp']);
    expect(d.stats.failures).toEqual({});
  });

  it('honours a decode-as rule on udp.port before the table', () => {
    const registry = createRegistry([corePlugin, toyHeuristic]);
    registry.heuristics('udp').setEnabled('toy', false);
    registry.addDecodeAs('udp.port==4242,toy');
    const d = new FrameDissector(registry);
    expect(names(d.dissect(frameOf(LinkType.RAW, dgram([0x7e], 4242, 1))))).toEqual(['ipv4', 'udp', 'toy']);
    expect(names(d.dissect(frameOf(LinkType.RAW, dgram([0x7e], 1, 2))))).toEqual(['ipv4', 'udp']);
  });
});
