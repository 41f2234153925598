// Runs a capture file through the whole netrx pipeline, as `netrx ws` does, for the corpus tests.
import { lastValueFrom, toArray } from 'rxjs';
import { corePlugin, createRegistry, type AppEvent } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { fromCaptureFile } from '@netrx/source-file';
import { poisonedAppEvents } from '../../../../test-support/poisoned-pipeline.js';
import { createWebSocketPlugin } from '../websocket-plugin.js';
import type { WebSocketFrame, WebSocketMessage } from '../types.js';

export async function runCapture(path: string, opts: { decodeAs?: string[]; frames?: boolean } = {}): Promise<{ messages: WebSocketMessage[]; frames: WebSocketFrame[]; events: AppEvent[] }> {
  const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, createWebSocketPlugin({ frames: opts.frames ?? false })]);
  for (const r of opts.decodeAs ?? []) registry.addDecodeAs(r);
  const events = await lastValueFrom(
    fromCaptureFile(path).pipe(poisonedAppEvents(registry), toArray()),
  );
  return {
    events,
    messages: events.filter((e): e is WebSocketMessage => e.type === 'ws.message'),
    frames: events.filter((e): e is WebSocketFrame => e.type === 'ws.frame'),
  };
}
