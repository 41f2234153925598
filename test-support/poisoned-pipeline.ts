import { pipe, type OperatorFunction } from 'rxjs';
import { dissect, type AppEvent, type CapturedFrame, type Registry } from '@netrx/core';
import { dissectStreams, reassembleTcp } from '@netrx/dissector-tcp';
import { poisonViews } from './poison.js';

/**
 * Frames to application events as `netrx` runs them (dissect → reassembleTcp → dissectStreams),
 * with each frame's bytes poisoned once the whole pipeline had it and each data event's once the
 * dissectors had it: what they keep across packets must be their own copies.
 */
export function poisonedAppEvents(registry: Registry): OperatorFunction<CapturedFrame, AppEvent> {
  return pipe(
    poisonViews((f: CapturedFrame) => f.data),
    dissect(registry),
    reassembleTcp(registry),
    poisonViews((e) => (e.type === 'data' ? e.bytes : undefined)),
    dissectStreams(registry),
  );
}
