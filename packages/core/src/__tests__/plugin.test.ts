import { describe, expect, it } from 'vitest';
import { createRegistry, definePlugin, type NetrxPlugin } from '../index.js';

const base = definePlugin({
  name: 'base',
  coreVersion: '^0.1.0',
  register: (r) => void r.addTable<string>('base.kind'),
});
const child = definePlugin({
  name: 'child',
  coreVersion: '>=0.1.0 <1.0.0',
  dependencies: ['base'],
  handoff: (r) => void r.table<{ name: string }>('base.kind').add('x', { name: 'child-dissector' }),
});

describe('plugins', () => {
  it('registers in dependency order whatever the order given', () => {
    const r = createRegistry([child, base]);
    expect(r.table<{ name: string }>('base.kind').get('x')?.name).toBe('child-dissector');
    expect(r.byName('child-dissector')).toEqual({ name: 'child-dissector' });
  });

  it('rejects duplicates, missing dependencies, bad core versions and cycles with stable codes', () => {
    expect(() => createRegistry([base, base])).toThrow(expect.objectContaining({ code: 'ERR_PLUGIN_DUPLICATE' }));
    expect(() => createRegistry([child])).toThrow(expect.objectContaining({ code: 'ERR_PLUGIN_DEPENDENCY' }));
    expect(() => createRegistry([{ ...base, coreVersion: '^2.0.0' }])).toThrow(
      expect.objectContaining({ code: 'ERR_PLUGIN_CORE_VERSION' }),
    );
    const a: NetrxPlugin = { name: 'a', coreVersion: '*', dependencies: ['b'] };
    const b: NetrxPlugin = { name: 'b', coreVersion: '*', dependencies: ['a'] };
    expect(() => createRegistry([a, b])).toThrow(/cycle: a -> b -> a/);
  });
});

describe('decode-as', () => {
  it('parses tshark-style rules and resolves the dissector by name', () => {
    const r = createRegistry([base, child]);
    r.addDecodeAs('base.kind==7272,child-dissector');
    expect(r.decodeAs<{ name: string }>('base.kind', 7272)?.name).toBe('child-dissector');
    expect(() => r.addDecodeAs('base.kind=7272')).toThrow(expect.objectContaining({ code: 'ERR_DECODE_AS_SYNTAX' }));
    expect(() => r.addDecodeAs('base.kind==1,nope')).toThrow(expect.objectContaining({ code: 'ERR_DECODE_AS_UNKNOWN' }));
  });
});
