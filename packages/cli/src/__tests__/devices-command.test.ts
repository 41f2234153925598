import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { run } from './run-cli.js';
import { deviceJson, deviceText } from '../commands/devices.js';


describe('netrx devices', () => {
  it('formats a device for people and for programs', () => {
    const lo = { name: 'lo', addresses: [{ address: '127.0.0.1', netmask: '255.0.0.0' }], loopback: true };
    expect(deviceText(lo)).toBe('lo               loopback 127.0.0.1');
    expect(deviceText({ name: 'any', description: 'Pseudo-device that captures on all interfaces', addresses: [], loopback: false })).toBe(
      'any              (Pseudo-device that captures on all interfaces)',
    );
    expect(JSON.parse(deviceJson(lo))).toEqual({ name: 'lo', description: null, addresses: [{ address: '127.0.0.1', netmask: '255.0.0.0' }], loopback: true });
  });

  it('lists this machine’s devices, lo with its addresses', async () => {
    const r = await run('devices', '--format', 'jsonl');
    expect(r.status, r.err).toBe(0);
    const devices = r.out.trim().split('\n').map((l) => JSON.parse(l) as { name: string; addresses: { address: string }[]; loopback: boolean });
    const lo = devices.find((d) => d.name === 'lo');
    expect(lo?.loopback).toBe(true);
    const expected = (networkInterfaces()['lo'] ?? []).map((a) => a.address);
    expect(lo?.addresses.map((a) => a.address).sort()).toEqual(expected.sort());
    const text = await run('devices');
    expect(text.out).toMatch(/^lo +loopback 127\.0\.0\.1/m);
  });
});
