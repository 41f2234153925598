import { spawnSync } from 'node:child_process';
import { defer, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinkType, type CapturedFrame } from '@netrx/core';
import { ethernet, ipv4, sll2, tcp, udp } from '../../../../test-support/packets.js';
import { parseBpfDecimal, runBpf } from '../bpf-program.js';
import { compileCaptureFilter, filterFrames } from '../index.js';

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

/** A program from `code jt jf k` lines, as tcpdump -ddd prints them. */
const prog = (...lines: string[]) => parseBpfDecimal(`${lines.length}\n${lines.join('\n')}\n`);

describe('runBpf', () => {
  const bytes = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0x45]);

  it('loads words, halves and bytes at fixed and indexed offsets, big-endian', () => {
    expect(runBpf(prog('32 0 0 0', '22 0 0 0'), bytes, 6)).toBe(0x12345678); // ld [0]; ret a
    expect(runBpf(prog('40 0 0 1', '22 0 0 0'), bytes, 6)).toBe(0x3456); // ldh [1]
    expect(runBpf(prog('48 0 0 4', '22 0 0 0'), bytes, 6)).toBe(0x9a); // ldb [4]
    expect(runBpf(prog('1 0 0 2', '80 0 0 2', '22 0 0 0'), bytes, 6)).toBe(0x9a); // ldx #2; ldb [x+2]
    expect(runBpf(prog('177 0 0 5', '135 0 0 0', '22 0 0 0'), bytes, 6)).toBe(20); // ldxb 4*([5]&0xf); txa
    expect(runBpf(prog('128 0 0 0', '22 0 0 0'), bytes, 1500)).toBe(1500); // ld #len is the wire length
  });

  it('rejects a packet when a load runs past the captured bytes, as libpcap does', () => {
    expect(runBpf(prog('32 0 0 3', '6 0 0 1'), bytes, 6)).toBe(0); // ld [3] needs bytes 3..6
    expect(runBpf(prog('32 0 0 2', '6 0 0 1'), bytes, 6)).toBe(1);
    expect(runBpf(prog('48 0 0 6', '6 0 0 1'), bytes, 6)).toBe(0);
    expect(runBpf(prog('1 0 0 4294967295', '80 0 0 1', '6 0 0 1'), bytes, 6)).toBe(0); // x + k wraps
  });

  it('does unsigned 32-bit arithmetic, jumps and scratch memory', () => {
    // ld #0xffffffff; add #2 → 1; st M[3]; ld #7; ldx M[3]; sub x → 6; mul #3 → 18; jgt #17 → ret a, else ret 0
    const p = prog('0 0 0 4294967295', '4 0 0 2', '2 0 0 3', '0 0 0 7', '97 0 0 3', '28 0 0 0', '36 0 0 3', '37 0 1 17', '22 0 0 0', '6 0 0 0');
    expect(runBpf(p, bytes, 6)).toBe(18);
    expect(runBpf(prog('0 0 0 1', '132 0 0 0', '22 0 0 0'), bytes, 6)).toBe(0xffffffff); // neg
    expect(runBpf(prog('0 0 0 1', '100 0 0 31', '22 0 0 0'), bytes, 6)).toBe(0x80000000); // lsh #31
    expect(runBpf(prog('0 0 0 9', '1 0 0 0', '60 0 0 0', '6 0 0 1'), bytes, 6)).toBe(0); // div x by 0 rejects
    expect(runBpf(prog('0 0 0 6', '69 1 0 4', '6 0 0 0', '6 0 0 5'), bytes, 6)).toBe(5); // jset #4
  });

  it('refuses programs that would leave the program or memory', () => {
    expect(() => prog('5 0 0 5', '6 0 0 1')).toThrow(/jump out of the program/);
    expect(() => prog('2 0 0 16', '6 0 0 1')).toThrow(/scratch memory/);
    expect(() => prog('0 0 0 1')).toThrow(/does not end with a return/);
    expect(() => prog('52 0 0 0', '6 0 0 1')).toThrow(/division by zero/);
    expect(() => parseBpfDecimal('2\n6 0 0 1\n')).toThrow(/not a BPF program/);
  });
});

const frame = (linkType: number, data: Uint8Array, n: number): CapturedFrame => ({
  linkType,
  data,
  caplen: data.length,
  length: data.length,
  timestamp: BigInt(n),
  interfaceId: 0,
  frameNumber: n,
});

describe.skipIf(!hasTcpdump)('filterFrames (libpcap compiles, through tcpdump)', () => {
  const http = tcp(new Uint8Array(10), { srcPort: 40000, dstPort: 80, seq: 1 }, '10.0.0.1', '10.0.0.2');
  const dns = udp(new Uint8Array(4), 5353, 53, '10.0.0.1', '10.9.9.9');
  const frames = [
    frame(LinkType.ETHERNET, ethernet(ipv4(http, { src: '10.0.0.1', dst: '10.0.0.2', proto: 6 })), 1),
    frame(LinkType.ETHERNET, ethernet(ipv4(dns, { src: '10.0.0.1', dst: '10.9.9.9', proto: 17 })), 2),
    // Another link type in the same stream (a pcapng with two interfaces): compiled again for it.
    frame(LinkType.LINUX_SLL2, sll2(ipv4(http, { src: '10.0.0.1', dst: '10.0.0.2', proto: 6 })), 3),
    frame(LinkType.LINUX_SLL2, sll2(ipv4(dns, { src: '10.0.0.1', dst: '10.9.9.9', proto: 17 })), 4),
  ];
  const kept = async (expr: string) => (await lastValueFrom(from(frames).pipe(filterFrames(expr), toArray()))).map((f) => f.frameNumber);

  it('keeps what the expression accepts, on each link type', async () => {
    expect(await kept('tcp port 80')).toEqual([1, 3]);
    expect(await kept('udp and host 10.9.9.9')).toEqual([2, 4]);
    expect(await kept('not (tcp or udp)')).toEqual([]);
  });

  it('fails before reading on a syntax error, and when the expression is wrong for a link type met later', async () => {
    let subscribed = false;
    const watched = defer(() => {
      subscribed = true;
      return from(frames);
    });
    await expect(lastValueFrom(watched.pipe(filterFrames('port 80 and')))).rejects.toThrow(/capture filter "port 80 and".*syntax error/);
    expect(subscribed).toBe(false);
    await expect(lastValueFrom(from(frames).pipe(filterFrames('vlan'), toArray()))).rejects.toThrow(/no VLAN support for Linux cooked v2/);
  });

  it('says what to do when tcpdump is not there', () => {
    expect(() => compileCaptureFilter('tcp', LinkType.ETHERNET, { tcpdumpPath: '/nonexistent/tcpdump' })).toThrow(/install tcpdump/);
  });
});
