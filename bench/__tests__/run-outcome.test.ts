import { describe, expect, it } from 'vitest';
import type { ChildRun } from '../child-run.js';
import { classify } from '../run-outcome.js';

const FILE = '/tmp/x.m3.pcap';
const run = (o: Partial<ChildRun>): ChildRun => ({ status: 0, signal: null, timedOut: false, wallSeconds: 1, stdoutBytes: 0, stderr: '', ...o });

describe('classify', () => {
  it('tells each outcome of the campaign apart', () => {
    expect(classify(run({}), FILE)).toBe('ok');
    expect(classify(run({ stderr: 'netrx ws: 2 connections, 0 WebSocket messages\n' }), FILE)).toBe('ok');
    expect(classify(run({ status: 1, stderr: `netrx ws: ${FILE}: file ends inside record 3 at byte 99: it claims 200 bytes but only 71 are there\n` }), FILE)).toBe('corrupt, offset named');
    // A summary line first, then the file's error.
    expect(classify(run({ status: 1, stderr: `netrx http: 1 connection, 0 HTTP messages\nnetrx http: ${FILE}: file ends inside the header of record 25 at byte 2514 (1 of 16 bytes)\n` }), FILE)).toBe('corrupt, offset named');
    expect(classify(run({ status: 1, stderr: `netrx tcp: ${FILE}: the file is broken\n` }), FILE)).toBe('corrupt, no offset');
    expect(classify(run({ status: 1, stderr: 'netrx ws: cannot read the key log /k: ENOENT\n' }), FILE)).toBe('other error');
    expect(classify(run({ status: 1, stderr: 'netrx ws: TypeError: x is undefined\n    at f (file:///a/b.js:1:2)\n' }), FILE)).toBe('crash');
    expect(classify(run({ status: null, signal: 'SIGSEGV' }), FILE)).toBe('crash');
    expect(classify(run({ status: 134 }), FILE)).toBe('crash');
    expect(classify(run({ status: null, signal: 'SIGKILL', timedOut: true }), FILE)).toBe('hang');
    expect(classify(run({ stderr: '(node:12) Warning: something\n' }), FILE)).toBe('unclear');
    expect(classify(run({ status: 1, stderr: '' }), FILE)).toBe('unclear');
    expect(classify(run({ status: 2, stderr: 'netrx: unknown option\n' }), FILE)).toBe('unclear');
  });
});
