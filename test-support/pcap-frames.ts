import type { CapturedFrame } from '@netrx/core';
import { createReader } from '@netrx/source-file';

/** The frames of a whole pcap file in memory (the generators' output), read as a capture file is. */
export function pcapFrames(pcap: Uint8Array): CapturedFrame[] {
  const out: CapturedFrame[] = [];
  const r = createReader('pcap', (f) => void out.push(f));
  r.write(pcap);
  r.end();
  return out;
}
