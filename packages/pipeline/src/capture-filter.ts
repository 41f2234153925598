import { spawnSync } from 'node:child_process';
import { NetrxError } from '@netrx/core';
import { parseBpfDecimal, type BpfProgram } from './bpf-program.js';

/** How {@link compileCaptureFilter} finds libpcap's compiler. */
export interface CaptureFilterOptions {
  /** The tcpdump program whose libpcap compiles the filter (default `tcpdump`, looked up on `PATH`). */
  readonly tcpdumpPath?: string;
}

/** The snapshot length the filter is compiled for (tcpdump's default): the accept value. */
const SNAPLEN = 262_144;

/**
 * Compiles a capture filter (pcap-filter(7): `host`, `net`, `port`, `portrange`, `src`/`dst`,
 * protocols, `vlan`, `and`/`or`/`not`, parentheses…) for one link type (a `LINKTYPE_*` value)
 * into a classic BPF program, with libpcap itself: tcpdump reads a capture file header of that
 * link type from its standard input and prints the program (`tcpdump -r - -ddd EXPR`). So a file
 * filtered with the program keeps exactly the packets `tcpdump -r FILE EXPR` keeps — libpcap's
 * own link-type mapping, offsets and quirks included.
 *
 * Throws `ERR_INVALID_OPTION` with libpcap's message when the expression is not valid for the
 * link type (a syntax error, `vlan` on Linux cooked captures, an unknown host name), and when
 * tcpdump cannot be run.
 *
 * @example
 * ```ts
 * import { compileCaptureFilter, runBpf } from '@netrx/pipeline';
 *
 * const program = compileCaptureFilter('tcp port 7272', 1);   // LINKTYPE_ETHERNET
 * const keep = (bytes: Uint8Array, wireLength: number) => runBpf(program, bytes, wireLength) !== 0;
 * ```
 */
export function compileCaptureFilter(expression: string, linkType: number, options: CaptureFilterOptions = {}): BpfProgram {
  const tcpdump = options.tcpdumpPath ?? 'tcpdump';
  const key = `${tcpdump}\0${linkType}\0${expression}`;
  const known = compiled.get(key);
  if (known !== undefined) return known;
  const program = compileWithTcpdump(tcpdump, expression, linkType);
  // Bounded: a long-running application that builds filters from input must not grow forever.
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, program);
  return program;
}

/** Programs compiled so far, by tcpdump, link type and expression: the compiler is a process spawn. */
const compiled = new Map<string, BpfProgram>();
const MAX_CACHED = 256;

function compileWithTcpdump(tcpdump: string, expression: string, linkType: number): BpfProgram {
  // A pcap file header (microseconds, this machine's byte order, as tcpdump -w writes it): the
  // link type is all libpcap needs to compile for.
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(SNAPLEN, 16);
  header.writeUInt32LE(linkType >>> 0, 20);
  const r = spawnSync(tcpdump, ['-r', '-', '-ddd', '--', expression], { input: header, encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new NetrxError(
      'ERR_INVALID_OPTION',
      missing
        ? `a capture filter on a file is compiled by libpcap through tcpdump, and "${tcpdump}" was not found: install tcpdump (apt-get install tcpdump)`
        : `could not run ${tcpdump} to compile the capture filter: ${r.error.message}`,
    );
  }
  if (r.status !== 0) {
    // tcpdump's own words: "tcpdump: syntax error", "tcpdump: no VLAN support for Linux cooked v2".
    const said = r.stderr.split('\n').filter((l) => l.startsWith('tcpdump: ')).map((l) => l.slice('tcpdump: '.length));
    const why = said.at(-1) ?? (r.stderr.trim() || `exit status ${r.status}`);
    throw new NetrxError('ERR_INVALID_OPTION', `capture filter "${expression}" (link type ${linkName(r.stderr) ?? linkType}): ${why}`);
  }
  return parseBpfDecimal(r.stdout);
}

/** tcpdump's name for the link type, from its "reading from file -, link-type EN10MB (Ethernet)" line. */
function linkName(stderr: string): string | undefined {
  return /link-type (\S+ \([^)]*\))/.exec(stderr)?.[1];
}
