// Where captureLines' frames come from: a source of the caller's own, or a file or live capture
// (a regular file read into memory the threads share), with the hooks called between chunks.
import { take, type Observable } from 'rxjs';
import { NetrxError, type CapturedFrame } from '@netrx/core';
import type { CaptureFileOptions, SecretsSink } from '@netrx/source-file';
import { filterFrames } from '../filter-frames.js';
import { openFrames } from '../open-frames.js';
import type { FrameSourceOptions } from '../pipeline-options.js';
import type { CaptureLinesOptions, LineSourceHooks } from './capture-lines-options.js';
import { sharedFileFrames } from './shared-file-frames.js';
import type { SharedChunks } from './shared-chunks.js';

/** The frames of the options' source: its own (`options.frames`), or a file or live capture. */
export function frameSource(options: CaptureLinesOptions, hooks: LineSourceHooks): Observable<CapturedFrame> {
  return options.frames !== undefined ? options.frames(hooks) : hooks.frames(options);
}

/** {@link LineSourceHooks.frames}: `openFrames`, with a regular file read into `chunks` when given. */
export function framesWith(
  beforeNextChunk: () => Promise<unknown> | undefined,
  chunks: SharedChunks | undefined,
  secrets: SecretsSink,
): (source: FrameSourceOptions) => Observable<CapturedFrame> {
  return (source) => {
    const theirs = source.fileOptions?.beforeNextChunk;
    const theirSecrets = source.fileOptions?.onSecrets;
    const fileOptions: CaptureFileOptions = {
      ...source.fileOptions,
      beforeNextChunk: () => {
        const theirWait = theirs?.();
        const ours = beforeNextChunk();
        return theirWait === undefined ? ours : ours === undefined ? theirWait : Promise.all([theirWait, ours]);
      },
      // Keys a pcapng carries go to every dissecting thread's pipeline, as one pipeline takes them.
      onSecrets: (s) => {
        secrets(s);
        theirSecrets?.(s);
      },
    };
    if (chunks === undefined || typeof source.file !== 'string' || source.live !== undefined) return openFrames({ ...source, fileOptions });
    const { count } = source;
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new NetrxError('ERR_INVALID_OPTION', `count must be a whole number from 1, not ${count}`);
    }
    // As openFrames: the capture filter, then the count.
    let frames = sharedFileFrames(source.file, fileOptions, chunks);
    if (source.filter !== undefined) frames = frames.pipe(filterFrames(source.filter));
    return count === undefined ? frames : frames.pipe(take(count));
  };
}
