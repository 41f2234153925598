/**
 * Many capture files as one pcapng: the frames of each file in turn (up to where a broken file
 * breaks), each file's timestamps as they are — so time jumps back and forth between files, link
 * types change from frame to frame, and the same addresses and ports come back in later files.
 * For tests that must hold on any mix (a parallel run writes what one thread writes).
 */
import { lastValueFrom, toArray, catchError, EMPTY } from 'rxjs';
import type { CapturedFrame } from '@netrx/core';
import { encodePcapng, fromCaptureFile } from '@netrx/source-file';

export async function corpusMedley(files: readonly string[]): Promise<Uint8Array> {
  const frames: CapturedFrame[] = [];
  for (const file of files) {
    const some = await lastValueFrom(fromCaptureFile(file).pipe(catchError(() => EMPTY), toArray()));
    for (const f of some) frames.push({ ...f, data: f.data.slice(), interfaceId: 0, frameNumber: frames.length + 1 });
  }
  return encodePcapng(frames);
}
