import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { NetrxError, type CapturedFrame } from '@netrx/core';
import { ethernet, ipv4, pcapFile, tcp } from '../../../../test-support/packets.js';
import { fromCaptureFile, type CaptureFileOptions } from '../from-capture-file.js';
import { encodePcapng } from '../pcapng-writer.js';
import { plain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-source-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = Array.from({ length: 300 }, (_, i) => ({
  ts: 1_700_000_000_000_000_000n + BigInt(i) * 1_234_567_000n,
  data: ethernet(ipv4(tcp(new Uint8Array(i * 7).fill(i), { srcPort: 1000 + i, dstPort: 80, seq: i }))),
}));
const pcap = pcapFile(1, records);

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Resolves once `check()` is true (polled), or throws after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** All frames, and the error if the observable errored. */
async function drain(source: string | NodeJS.ReadableStream, options?: CaptureFileOptions): Promise<{ frames: CapturedFrame[]; error?: NetrxError }> {
  const frames: CapturedFrame[] = [];
  return new Promise((resolve) => {
    fromCaptureFile(source, options).subscribe({
      next: (f) => frames.push(f),
      error: (error: NetrxError) => resolve({ frames, error }),
      complete: () => resolve({ frames }),
    });
  });
}

describe('fromCaptureFile', () => {
  it('reads a pcap file in chunks and reports progress against its size', async () => {
    const progress: [number, number | undefined][] = [];
    const { frames, error } = await drain(file('a.pcap', pcap), { chunkSize: 4096, onProgress: (n, t) => progress.push([n, t]) });
    expect(error).toBeUndefined();
    expect(frames.map((f) => f.timestamp)).toEqual(records.map((r) => r.ts));
    expect(progress.length).toBeGreaterThan(pcap.length / 4096);
    expect(progress.every(([, t]) => t === pcap.length)).toBe(true);
    expect(progress.at(-1)![0]).toBe(pcap.length);
    expect(progress.map(([n]) => n)).toEqual([...progress.map(([n]) => n)].sort((a, b) => a - b));
  });

  it('reads a file in 256 KiB chunks by default', async () => {
    const big = pcapFile(1, Array.from({ length: 1000 }, (_, i) => ({ ts: BigInt(i), data: new Uint8Array(1000) })));
    const progress: number[] = [];
    const { frames } = await drain(file('kib.pcap', big), { onProgress: (n) => progress.push(n) });
    expect(frames).toHaveLength(1000);
    expect(progress).toEqual([1, 2, 3, 4].map((m) => Math.min(m * 262144, big.length)).concat(big.length));
  });

  it('reads a named pipe given as a path (at the current position), copying its short reads', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const source = file('for-fifo.pcap', pcap);
    const throughFifo = async (options?: CaptureFileOptions): Promise<Awaited<ReturnType<typeof drain>>> => {
      const writer = spawn('sh', ['-c', `cat "$0" > "$1"`, source, fifo]);
      const exited = new Promise((r) => writer.once('exit', r));
      const drained = await drain(fifo, options);
      await exited;
      return drained;
    };
    const { frames, error } = await throughFifo({ chunkSize: 4096 });
    expect(error).toBeUndefined();
    expect(frames.map((f) => f.timestamp)).toEqual(records.map((r) => r.ts));
    expect(frames.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(records.map((r) => Buffer.from(r.data).toString('hex')));
    // A pipe's reads are short (at most 64 KiB): no frame keeps a whole 256 KiB read buffer alive.
    const { frames: byDefault } = await throughFifo();
    expect(byDefault).toHaveLength(records.length);
    expect(byDefault.every((f) => f.data.buffer.byteLength < 262144)).toBe(true);
  });

  it('reads gzip-compressed pcap and pcapng transparently', async () => {
    const plainFrames = (await drain(file('b.pcap', pcap))).frames.map(plain);
    expect((await drain(file('b.pcap.gz', gzipSync(pcap)))).frames.map(plain)).toEqual(plainFrames);
    const ng = encodePcapng((await drain(file('c.pcap', pcap))).frames);
    const fromNg = (await drain(file('c.pcapng.gz', gzipSync(ng)), { chunkSize: 100 })).frames.map(plain);
    expect(fromNg.map((f) => [f.timestamp, f.data])).toEqual(plainFrames.map((f) => [f.timestamp, f.data]));
  });

  it('reads a stream that delivers a byte at a time', async () => {
    const s = new PassThrough();
    const done = drain(s);
    for (let i = 0; i < 2000; i++) s.write(pcap.subarray(i, i + 1));
    s.end(pcap.subarray(2000));
    const { frames, error } = await done;
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(records.length);
  });

  it('emits a stream\'s records as they arrive, not at its end', async () => {
    const s = new PassThrough();
    const first = firstValueFrom(fromCaptureFile(s));
    s.write(pcap.subarray(0, 24 + 16 + records[0]!.data.length + 3)); // one record and a bit
    const f = await first; // resolves although the stream never ends
    expect(f.frameNumber).toBe(1);
    expect(s.destroyed).toBe(true); // firstValueFrom unsubscribed: reading stopped
  });

  it('stops reading when unsubscribed', async () => {
    const s = new PassThrough();
    const got = lastValueFrom(fromCaptureFile(s).pipe(take(2), toArray()));
    s.write(pcap);
    expect(await got).toHaveLength(2);
    expect(s.destroyed).toBe(true);
  });

  it.skipIf(!existsSync('/proc/self/fd'))('closes the file when unsubscribed before the end', async () => {
    const big = file('big.pcap', pcapFile(1, Array.from({ length: 2000 }, (_, i) => records[i % records.length]!)));
    const target = realpathSync(big);
    // This process's descriptors open on the file (counting them all would count other work's too).
    const onBig = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === target;
        } catch {
          return false; // closed meanwhile
        }
      }).length;
    let open = 0;
    const got = await lastValueFrom(fromCaptureFile(big, { chunkSize: 4096 }).pipe(tap(() => (open ||= onBig())), take(3), toArray()));
    expect(got).toHaveLength(3);
    expect(open).toBe(1);
    // Closing is asynchronous (the file handle is closed on libuv's thread pool): it happens, however late.
    await until(() => onBig() === 0, 'the file is closed');
  });

  it('waits for beforeNextChunk before reading on', async () => {
    let release!: () => void;
    let calls = 0;
    const frames: CapturedFrame[] = [];
    const done = new Promise<void>((resolve) =>
      fromCaptureFile(file('slow.pcap', pcap), {
        chunkSize: 8192,
        beforeNextChunk: () => (++calls === 1 ? new Promise<void>((r) => (release = r)) : undefined),
      }).subscribe({ next: (f) => frames.push(f), complete: resolve }),
    );
    // The first chunk is read and pushed through, then the hook is called ...
    await until(() => calls > 0, 'the first chunk is read');
    const held = frames.length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(records.length);
    // ... and nothing more is read while it holds (give a reader that did not wait time to show it).
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    expect(frames).toHaveLength(held);
    release();
    await done;
    expect(frames).toHaveLength(records.length);
  });

  it('after a truncated file\'s good records, errors naming the offset', async () => {
    const cut = 24 + records.slice(0, 120).reduce((n, r) => n + 16 + r.data.length, 0) + 9;
    const path = file('cut.pcap', pcap.subarray(0, cut));
    const { frames, error } = await drain(path, { chunkSize: 1000 });
    expect(frames).toHaveLength(120);
    expect(error).toBeInstanceOf(NetrxError);
    expect(error!.code).toBe('ERR_CAPTURE_FILE');
    expect(error!.message).toBe(`${path}: file ends inside the header of record 121 at byte ${cut - 9} (9 of 16 bytes)`);
    expect(error!.cause).toMatchObject({ code: 'ERR_PCAP_TRUNCATED', offset: cut - 9 });
  });

  it('a gzip stream cut short: the good records, then an error that says so', async () => {
    const gz = gzipSync(pcap);
    const { frames, error } = await drain(file('cut.pcap.gz', gz.subarray(0, gz.length >> 1)));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThan(records.length);
    expect(error!.message).toMatch(/gzip data is corrupt or cut short/);
  });

  it('says what to do when the file cannot be read or is not a capture', async () => {
    expect((await drain(join(dir, 'missing.pcap'))).error!.message).toMatch(/no such file; check the path/);
    expect((await drain(dir)).error!.message).toMatch(/is a directory/);
    expect((await drain(file('empty.pcap', new Uint8Array(0)))).error!.message).toMatch(/is empty/);
    expect((await drain(file('notes.gz', gzipSync(new TextEncoder().encode('hello, world'))))).error!.message).toMatch(/is gzip-compressed but what it holds is not a pcap or pcapng file/);
    expect((await drain(file('two.pcap', Uint8Array.of(0xd4, 0xc3)))).error!.message).toMatch(/ends after 2 bytes, before its format could be told/);
    expect((await drain(file('two.pcap.gz', gzipSync(Uint8Array.of(0xd4, 0xc3))))).error!.message).toBe(
      `${join(dir, 'two.pcap.gz')}: file ends at byte 2, inside the capture's first header (offset in the decompressed data)`,
    );
    expect((await drain(file('page.html', new TextEncoder().encode('<!DOCTYPE html>')))).error!.message).toBe(
      `${join(dir, 'page.html')} is not a capture file: its first bytes (3c 21 44 4f) are not a pcap, pcapng or gzip magic number; give a file written by tcpdump -w, dumpcap or Wireshark`,
    );
    if (process.getuid?.() !== 0) {
      const locked = file('locked.pcap', pcap);
      chmodSync(locked, 0);
      expect((await drain(locked)).error!.message).toMatch(/permission denied/);
    }
  });
});
