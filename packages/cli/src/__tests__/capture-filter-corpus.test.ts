// A capture filter after -r keeps exactly the packets tcpdump keeps: on every corpus capture, for a
// list of pcap-filter(7) expressions, the frames `netrx packets -r F EXPR` prints equal the frames
// `tcpdump -r F EXPR -w -` writes (time and wire length, in order), and an expression
// tcpdump refuses for a link type (`vlan` on Linux cooked captures) is refused by netrx alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapngWriter, fromCaptureFile } from '@netrx/source-file';
import { corpusDir, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { run } from './run-cli.js';

noteIfCorpusMissing('capture filters on files against tcpdump');
const tcpdump = spawnSync('tcpdump', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'netrx-bpf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXPRESSIONS = [
  'tcp',
  'udp',
  'port 7272',
  'tcp port 55432',
  'tcp port 80 or tcp port 443',
  'host 127.0.0.1',
  'host 10.9.9.9',
  'src host 127.0.0.1 and dst port 7272',
  'net 10.0.0.0/8 or net 192.168.0.0/16',
  'ip6',
  'ip6 and tcp',
  'dst host ::1',
  'portrange 7300-7400',
  'not tcp',
  '(tcp and port 80) or (udp and port 53)',
  'tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0',
  'greater 1000',
  'less 100',
  'vlan',
  'vlan and tcp port 80',
  'icmp or icmp6',
  'ip[6:2] & 0x3fff != 0',
  'ip6 proto 44 or ip6[6] == 44',
  'ether broadcast',
  'ip proto 47 or ip proto 1',
  'tcp and src portrange 1024-65535 and not dst net 127.0.0.0/8',
];

/**
 * A frame as both tools report it. (Not the captured length: libpcap cuts a record longer than
 * its file's snapshot length to it, netrx keeps what the record holds.)
 */
interface Seen {
  readonly ts: string;
  readonly len: number;
}

/** The records of a classic pcap file (what `tcpdump -w -` writes), any precision and byte order. */
function pcapRecords(b: Buffer): Seen[] {
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: Seen[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const caplen = u32(o + 8);
    const frac = nano ? u32(o + 4) : u32(o + 4) * 1000;
    out.push({ ts: `${u32(o)}.${String(frac).padStart(9, '0')}`, len: u32(o + 12) });
    o += 16 + caplen;
  }
  return out;
}

/** What tcpdump keeps of `file` with `expr` (`-w -`), or the reason it refused the filter. */
function tcpdumpKeeps(file: string, expr: string): { frames: Seen[]; refused?: string; broke?: string } {
  const r = spawnSync('tcpdump', ['-r', file, '--time-stamp-precision=nano', '-w', '-', expr], { maxBuffer: 256 * 1024 * 1024 });
  const said = r.stderr.toString().split('\n').filter((l) => l.startsWith('tcpdump: '));
  const refused = r.status !== 0 && r.stdout.length === 0 && !said.some((l) => l.includes('pcap_loop')) ? said.at(-1)?.slice(9) : undefined;
  return { frames: pcapRecords(r.stdout), refused, broke: said.find((l) => l.includes('pcap_loop')) };
}

/** What `netrx packets -r file expr --format jsonl` keeps, by link type. */
async function netrxKeeps(file: string, expr: string): Promise<{ status: number; err: string; frames: (Seen & { linkType: number })[] }> {
  const { status, out, err } = await run('packets', '-r', file, '--format', 'jsonl', expr);
  const frames = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Seen & { linkType: number })
    .map(({ ts, len, linkType }) => ({ ts, len, linkType }));
  return { status, err, frames };
}

/**
 * A capture tcpdump cannot read whole (a pcapng whose interfaces have different link types, a
 * pcapng version libpcap does not know): one classic pcap per link type, written from netrx's own
 * reading of it, for tcpdump to filter.
 */
async function splitByLinkType(file: string): Promise<Map<number, string>> {
  const frames = await lastValueFrom(fromCaptureFile(file).pipe(toArray()));
  // pcapng, with 64-bit nanosecond timestamps: some captures have times past 2106.
  const parts = new Map<number, { chunks: Uint8Array[]; writer: PcapngWriter }>();
  for (const f of frames) {
    let part = parts.get(f.linkType);
    if (part === undefined) {
      const chunks: Uint8Array[] = [];
      parts.set(f.linkType, (part = { chunks, writer: new PcapngWriter({ write: (b) => void chunks.push(b.slice()) }) }));
    }
    part.writer.write(f);
  }
  const files = new Map<number, string>();
  for (const [type, { chunks }] of parts) {
    const path = join(dir, `${basename(file)}.${type}.pcapng`);
    writeFileSync(path, Buffer.concat(chunks));
    files.set(type, path);
  }
  return files;
}

function captures(): string[] {
  if (!corpusDir) return [];
  const found = spawnSync('find', [corpusDir, '-type', 'f', '(', '-name', '*.pcap', '-o', '-name', '*.pcapng', '-o', '-name', '*.cap', ')'], { encoding: 'utf8' });
  return found.stdout.split('\n').filter(Boolean).sort();
}

describe.skipIf(!corpusDir || !tcpdump)('a capture filter on a file keeps what tcpdump -r FILE EXPR keeps', () => {
  for (const file of captures()) {
    it(relative(corpusDir!, file), async () => {
      const whole = tcpdumpKeeps(file, '');
      const unreadable = whole.broke !== undefined && /different from the type/.test(whole.broke);
      const split = unreadable ? await splitByLinkType(file) : undefined;
      let compared = 0;
      for (const expr of EXPRESSIONS) {
        const mine = await netrxKeeps(file, expr);
        if (split === undefined) {
          const theirs = tcpdumpKeeps(file, expr);
          if (theirs.refused !== undefined) {
            expect(mine.status, `${expr}: tcpdump refused (${theirs.refused})`).toBe(1);
            expect(mine.err).toContain(theirs.refused);
            continue;
          }
          // A corrupt file: both keep what comes before the break, and netrx says it broke.
          if (theirs.broke !== undefined) expect(mine.status, `${expr}: ${theirs.broke}`).toBe(1);
          // Nothing on stderr but, when nothing matched, the line that says so (and the line of what
          // was dropped: a filter that keeps a datagram's first fragment leaves it incomplete).
          else expect(mine.err.replace(/^netrx packets: dropped: .*\n/m, ''), expr).toBe(theirs.frames.length === 0 ? `netrx packets: no packet matched the capture filter "${expr}"\n` : '');
          expect(mine.frames.map(({ ts, len }) => ({ ts, len })), expr).toEqual(theirs.frames);
          compared += theirs.frames.length;
        } else {
          // Frames are compared by their place among the frames of their link type: tcpdump
          // reads some 64-bit pcapng times differently (wrapped), and those are not the point.
          let refused: string | undefined;
          for (const [type, part] of split) {
            const theirs = tcpdumpKeeps(part, expr);
            if (theirs.refused !== undefined) {
              refused = theirs.refused;
              continue;
            }
            if (refused === undefined && mine.status === 0) {
              const all = tcpdumpKeeps(part, '').frames;
              const places = (kept: readonly Seen[], among: readonly Seen[]): number[] => {
                let at = 0;
                return kept.map((f) => (at = among.findIndex((g, i) => i >= at && g.ts === f.ts && g.len === f.len) + 1) - 1);
              };
              const ofType = (await netrxKeeps(file, '')).frames.filter((f) => f.linkType === type);
              const mineOfType = mine.frames.filter((f) => f.linkType === type);
              expect(places(mineOfType, ofType), `${expr} on link type ${type}`).toEqual(places(theirs.frames, all));
              expect(places(theirs.frames, all)).not.toContain(-1);
              compared += theirs.frames.length;
            }
          }
          if (refused !== undefined) {
            expect(mine.status, `${expr}: tcpdump refused (${refused})`).toBe(1);
            expect(mine.err).toContain(refused);
          } else expect(mine.status, `${expr}: ${mine.err}`).toBe(0);
        }
      }
      // A test that cannot fail is a defect: each capture has packets some expression keeps.
      expect(compared).toBeGreaterThan(0);
    }, 120_000);
  }
});
