import { describe, expect, it } from 'vitest';
import { NetrxError } from '@netrx/core';
import { classifyCaptureFailure } from '../live-capture-error.js';
import { parseTcpdumpInterfaces } from '../list-devices.js';
import { resolveLiveOptions } from '../options.js';
import { tcpdumpArgs } from '../tcpdump-backend.js';

// The messages below are what libpcap 1.10.3 (through cap 0.2.1) and tcpdump 4.99.3 printed on
// Debian 12 for each case (recorded by hand from the live tests' runs).
describe('classifyCaptureFailure', () => {
  it.each([
    ['socket: Operation not permitted', 'cap', 'permission'],
    ["lo: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)", 'tcpdump', 'permission'],
    ['No such device exists', 'cap', 'no-device'],
    ['nosuch0: No such device exists\n(No such device exists)', 'tcpdump', 'no-device'],
  ])('%s (%s) is %s', (message, backend, kind) => {
    const err = classifyCaptureFailure(message, 'lo', 'tcp port 7272', backend);
    expect(err).toBeInstanceOf(NetrxError);
    expect(err.code).toBe('ERR_CAPTURE_LIVE');
    expect(err.kind).toBe(kind);
  });

  it('says which program needs the capability: node for cap, tcpdump for the tcpdump backend', () => {
    expect(classifyCaptureFailure('socket: Operation not permitted', 'lo', undefined, 'cap').message).toMatch(/grant node the capability: setcap cap_net_raw,cap_net_admin=eip "\$\(readlink -f "\$\(command -v node\)"\)"$/);
    const td = classifyCaptureFailure("lo: You don't have permission to perform this capture on that device", 'lo', undefined, 'tcpdump').message;
    expect(td).toMatch(/grant tcpdump the capability: setcap cap_net_raw,cap_net_admin=eip "\$\(readlink -f "\$\(command -v tcpdump\)"\)"$/);
    expect(td).not.toMatch(/node/);
  });

  it('reads a compile error as a bad filter and quotes it', () => {
    const cap = classifyCaptureFailure("unknown port 'nonsense'", 'lo', 'tcp port nonsense', 'cap');
    expect(cap.kind).toBe('bad-filter');
    expect(cap.message).toBe(`bad capture filter "tcp port nonsense": unknown port 'nonsense' (the syntax is pcap-filter(7), as for tcpdump)`);
    const td = classifyCaptureFailure("can't parse filter expression: syntax error", 'lo', 'port port', 'tcpdump');
    expect(td.kind).toBe('bad-filter');
    expect(td.message).toMatch(/^bad capture filter "port port": syntax error/);
  });

  it('does not blame a filter there is none of', () => {
    expect(classifyCaptureFailure('syntax error', 'lo', undefined, 'cap').kind).toBe('failed');
  });
});

describe('resolveLiveOptions', () => {
  it('applies defaults', () => {
    const o = resolveLiveOptions({ device: 'lo', filter: '  ' });
    expect(o).toMatchObject({ device: 'lo', filter: undefined, bufferPolicy: 'drop-oldest', backend: undefined, tcpdumpPath: 'tcpdump' });
  });

  it.each([
    [{ device: '' }, /needs a device/],
    [{ device: 'lo', backend: 'pcap' as never }, /cap or tcpdump/],
    [{ device: 'lo', bufferPolicy: 'block' as never }, /drop-oldest or error/],
    [{ device: 'lo', snaplen: 0 }, /snaplen/],
    [{ device: 'lo', maxQueuedFrames: 1.5 }, /maxQueuedFrames/],
  ])('rejects %o', (opts, message) => {
    expect(() => resolveLiveOptions(opts)).toThrow(message);
  });

  it('builds the tcpdump command line', () => {
    expect(tcpdumpArgs(resolveLiveOptions({ device: 'any', filter: 'port 7272', snaplen: 4096, bufferSize: 4 * 1024 * 1024 }))).toEqual([
      '-i', 'any', '--immediate-mode', '-U', '--time-stamp-precision=nano', '-w', '-', '-s', '4096', '-B', '4096', 'port 7272',
    ]);
  });
});

describe('parseTcpdumpInterfaces', () => {
  it('reads names, descriptions and the loopback flag, and adds addresses', () => {
    const text = [
      '1.eth0 [Up, Running, Connected]',
      '2.any (Pseudo-device that captures on all interfaces) [Up, Running]',
      '3.lo [Up, Running, Loopback]',
      '4.nflog (Linux netfilter log (NFLOG) interface) [none]',
      '',
    ].join('\n');
    const addrs = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' } as const] };
    const devices = parseTcpdumpInterfaces(text, addrs);
    expect(devices.map((d) => d.name)).toEqual(['eth0', 'any', 'lo', 'nflog']);
    expect(devices[1]?.description).toBe('Pseudo-device that captures on all interfaces');
    expect(devices[2]).toEqual({ name: 'lo', addresses: [{ address: '127.0.0.1', netmask: '255.0.0.0' }], loopback: true });
    expect(devices[0]?.loopback).toBe(false);
    expect(devices[3]?.description).toBe('Linux netfilter log (NFLOG) interface');
  });
});
