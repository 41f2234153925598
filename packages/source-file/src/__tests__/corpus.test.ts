// Every capture in the shared corpus reads with the packet count an independent tool reports:
// capinfos' count from public/MANIFEST.tsv, and tcpdump's for captures/ (which has no manifest).
// The broken ones yield exactly their good records, then an error naming the offset the manifest
// describes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, type NetrxError } from '@netrx/core';
import { join } from 'node:path';
import { corpusCaptures, corpusDir, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { fromCaptureFile } from '../from-capture-file.js';

const missing = noteIfCorpusMissing('capture-file corpus test');

async function read(path: string): Promise<{ count: number; linkTypes: Set<number>; error?: NetrxError }> {
  let count = 0;
  const linkTypes = new Set<number>();
  return new Promise((resolve) =>
    fromCaptureFile(path).subscribe({
      next: (f) => {
        count++;
        linkTypes.add(f.linkType);
        expect(f.frameNumber).toBe(count);
        expect(f.data.length).toBe(f.caplen);
      },
      error: (error: NetrxError) => resolve({ count, linkTypes, error }),
      complete: () => resolve({ count, linkTypes }),
    }),
  );
}

/**
 * The manifest's `packets` column as written: a count, sometimes followed by a note in
 * parentheses ("18 (read error after 18: …)", "8 (tshark shows 11 records incl. non-packet blocks)").
 */
function packetsColumn(): Map<string, { count: number; readError: boolean }> {
  const lines = readFileSync(join(corpusDir!, 'public/MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const head = lines[0]!.split('\t');
  const out = new Map<string, { count: number; readError: boolean }>();
  for (const line of lines.slice(1)) {
    const c = line.split('\t');
    const raw = c[head.indexOf('packets')]!;
    out.set(c[head.indexOf('file')]!, { count: parseInt(raw, 10), readError: raw.includes('read error') });
  }
  return out;
}

function tcpdumpCount(path: string): number | undefined {
  try {
    return execFileSync('tcpdump', ['-r', path, '-nn', '-q', '-t'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;
  } catch {
    return undefined;
  }
}

describe.skipIf(missing)('corpus: every capture reads with the right packet count', () => {
  const packets = missing ? new Map() : packetsColumn();
  const whole = publicManifest().filter((r) => !packets.get(r.file)!.readError);

  it.each(whole.map((r) => [r.file, r] as const))('public/%s', async (_, row) => {
    const { count, linkTypes, error } = await read(row.path);
    expect(error?.message).toBeUndefined();
    expect(count).toBe(packets.get(row.file)!.count);
    // Every link type we saw is one the manifest lists (e.g. "EN10MB(1), LINUX_SLL(113)").
    for (const lt of linkTypes) expect(row.linkTypes).toContain(`(${lt})`);
  });

  it.each(corpusCaptures().map((p) => [basename(p), p] as const))('captures/%s', async (_, path) => {
    const { count, error } = await read(path);
    expect(error).toBeUndefined();
    const expected = tcpdumpCount(path);
    if (expected === undefined) console.warn(`tcpdump is not installed: checked only that ${basename(path)} reads without error (${count} packets)`);
    else expect(count).toBe(expected);
  });
});

/**
 * tcpdump's (libpcap's) timestamp of each record it printed, to the nanosecond; `undefined` for a
 * record whose time it could not convert. libpcap stops at the first record it cannot read (and
 * cannot read pcapng files mixing link types), so this may be a prefix of the file.
 */
function tcpdumpTimestamps(path: string): (string | undefined)[] | undefined {
  const r = spawnSync('tcpdump', ['-r', path, '-nn', '-q', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return r.stdout
    .split('\n')
    .map((l) => /^(\d+\.\d{9}|\[Error converting time\]) /.exec(l)?.[1])
    .filter((t) => t !== undefined)
    .map((t) => (t.startsWith('[') ? undefined : t));
}

describe.skipIf(missing)('corpus: timestamps agree with libpcap (tcpdump) to the nanosecond', () => {
  const files = [...corpusCaptures(), ...publicManifest().map((r) => r.path)];
  it.each(files.map((p) => [p.slice(corpusDir!.length + 1), p] as const))('%s', async (_, path) => {
    const theirs = tcpdumpTimestamps(path);
    if (!theirs) return void console.warn('tcpdump is not installed: timestamps not compared');
    const ours: string[] = [];
    await new Promise<void>((resolve) =>
      fromCaptureFile(path).subscribe({ next: (f) => void ours.push(formatTimestamp(f.timestamp)), error: () => resolve(), complete: resolve }),
    );
    expect(theirs.length).toBeLessThanOrEqual(ours.length);
    const compared = theirs.map((t, i) => (t === undefined ? undefined : ours[i]));
    expect(compared).toEqual(theirs);
  });
});

describe.skipIf(missing)('corpus: broken files give their good records, then the offset', () => {
  const row = (file: string) => {
    const r = publicManifest().find((m) => m.file === file);
    if (!r) throw new Error(`${file} is not in the manifest`);
    // The manifest's packets column reads "18 (read error after 18: …)": the good records.
    const { count, readError } = packetsColumn().get(file)!;
    return { ...r, good: count, readError, raw: readFileSync(r.path) };
  };

  it('a record claiming 3.9 GB (suricata smtp-to-comma): 18 records, then the record header that claims it', async () => {
    const r = row('OISF_suricata-verify/10.7.29.101_49898-178.63.41.150_25.pcap');
    const { count, error } = await read(r.path);
    expect(count).toBe(18);
    expect(count).toBe(r.good);
    expect(r.readError).toBe(true);
    const offset = (error!.cause as { offset: number }).offset;
    // The offset names the record header whose caplen is the manifest's 3,925,868,813.
    expect(r.raw.readUInt32LE(offset + 8)).toBe(3_925_868_813);
    expect(error!.message).toBe(`${r.path}: record 19 at byte ${offset} claims 3.7 GiB (caplen 3925868813 > snaplen 262144): the file is corrupt from this record on`);
  });

  it('a file cut 1 byte into a record header (suricata http-mime-truncated): 2696 records, then that header', async () => {
    const r = row('OISF_suricata-verify/http-mime-truncated_input.pcap');
    const { count, error } = await read(r.path);
    expect(count).toBe(2696);
    expect(count).toBe(r.good);
    const at = r.raw.length - 1;
    expect(error!.message).toBe(`${r.path}: file ends inside the header of record 2697 at byte ${at} (1 of 16 bytes)`);
  });

  it('a second section of pcapng version 2.0 at 0x1e0 (gopacket test901): 1 record, then that section header', async () => {
    const r = row('google_gopacket/test901.pcapng');
    const { count, error } = await read(r.path);
    expect(count).toBe(1);
    expect(count).toBe(r.good);
    expect(error!.message).toBe(`${r.path}: section header at byte ${0x1e0} has version 2.0; only pcapng 1.x is supported`);
  });

  it('snaplen 1 with an 8-byte record (zeek trunc-hdr): read as libpcap, Wireshark and capinfos do, 1 record of 8 bytes', async () => {
    const r = row('zeek_zeek/trunc-hdr.pcap');
    expect(r.raw.readUInt32LE(16)).toBe(1); // the header's snaplen
    const { count, error } = await read(r.path);
    expect(error).toBeUndefined();
    expect(count).toBe(1);
    expect(count).toBe(r.good);
    expect(r.readError).toBe(false);
  });
});
