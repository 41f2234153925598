import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, formatEndpoint, monotonicClock, type Clock, type NetrxPlugin, type Registry } from '@netrx/core';
import { websocketMessages, type WebSocketMessage } from '@netrx/dissector-websocket';
import { Pipeline, Tokens, capture, createContainer, createPipeline, createPipelineContainer, defaultPlugins, openFrames } from '../index.js';

const sample = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.pcap', import.meta.url));
const expected = fileURLToPath(new URL('../../../../examples/chat-server/capture/chat.expected.jsonl', import.meta.url));

/** A WebSocket payload dissector on the chat's port: the text of each message, upper-cased. */
const shout: NetrxPlugin = definePlugin({
  name: 'shout',
  coreVersion: '^0.1.0',
  dependencies: ['websocket'],
  handoff: (r) => void r.table('ws.port').add(7272, { name: 'shout', decode: (m: WebSocketMessage) => m.text?.toUpperCase() }),
});

const messagesOf = (p: Pipeline): Promise<WebSocketMessage[]> => lastValueFrom(p.capture().pipe(websocketMessages(), toArray()));

describe('createPipeline', () => {
  it('resolves the pipeline and its registry once, from a container of its own', () => {
    const c = createPipelineContainer({ decodeAs: ['tcp.port==9000,websocket'] });
    const pipeline = c.resolve(Pipeline);
    expect(c.resolve(Pipeline)).toBe(pipeline);
    expect(c.resolve<Registry>(Tokens.Registry)).toBe(pipeline.registry);
    expect(pipeline.plugins.map((p) => p.name)).toEqual(defaultPlugins.map((p) => p.name));
    expect(pipeline.registry.decodeAs('tcp.port', 9000)).toBeDefined();
    expect(pipeline.clock).toBe(monotonicClock);
    // Two pipelines never share a registry, and nothing went into the root container.
    expect(createPipeline().registry).not.toBe(createPipeline().registry);
    for (const token of Object.values(Tokens)) expect(createContainer().isRegistered(token, true)).toBe(false);
  });

  it('rejects a bad decode-as rule and a plugin set that cannot register, when it is built', () => {
    expect(() => createPipeline({ decodeAs: ['tcp.port=7272'] })).toThrow(expect.objectContaining({ code: 'ERR_DECODE_AS_SYNTAX' }));
    expect(() => createPipeline({ plugins: [shout] })).toThrow(expect.objectContaining({ code: 'ERR_PLUGIN_DEPENDENCY' }));
  });

  it('takes the clock a container passed in holds, and nothing else of the parent changes', () => {
    const mine = createContainer();
    const fixed: Clock = { now: () => 1_700_000_000_000_000_000n };
    mine.register(Tokens.Clock, { useValue: fixed });
    const pipeline = createPipeline({ container: mine });
    expect(pipeline.clock).toBe(fixed);
    expect(createPipeline().clock).toBe(monotonicClock);
    expect(mine.isRegistered(Tokens.Plugin)).toBe(false);
    expect(mine.isRegistered(Pipeline)).toBe(false);
  });

  it('adds a plugin registered in a container passed in to the default ones', async () => {
    const mine = createContainer();
    mine.register(Tokens.Plugin, { useValue: shout });
    const pipeline = createPipeline({ file: sample, container: mine });
    expect(pipeline.plugins.map((p) => p.name)).toEqual([...defaultPlugins.map((p) => p.name), 'shout']);
    const messages = await messagesOf(pipeline);
    const texts = messages.filter((m) => m.kind === 'text');
    expect(texts.length).toBeGreaterThan(0);
    for (const m of texts) expect(m.decoded).toEqual({ protocol: 'shout', value: m.text!.toUpperCase() });
    // Without it, nothing is decoded.
    expect((await messagesOf(createPipeline({ file: sample }))).filter((m) => m.decoded !== undefined)).toEqual([]);
  });

  it('works with new and no container, as createPipeline() does', async () => {
    const direct = await messagesOf(new Pipeline(defaultPlugins, { file: sample }));
    const resolved = await messagesOf(createPipeline({ file: sample }));
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.map((m) => [m.connection.id, m.dir, m.kind, m.text])).toEqual(resolved.map((m) => [m.connection.id, m.dir, m.kind, m.text]));
  });

  it('gives the last stage alone: streams() then appEvents() is events()', async () => {
    const pipeline = createPipeline({ file: sample, decodeAs: ['tcp.port==7272,websocket'] });
    const kinds = (events: { type: string; connection: { id: number } }[]) => events.map((e) => `${e.connection.id} ${e.type}`);
    const whole = await lastValueFrom(pipeline.capture().pipe(toArray()));
    const staged = await lastValueFrom(pipeline.frames().pipe(pipeline.streams(), pipeline.appEvents(), toArray()));
    expect(whole.length).toBeGreaterThan(30);
    expect(kinds(staged)).toEqual(kinds(whole));
  });
});

describe('capture', () => {
  it('reads the bundled sample: every text message the chat clients sent and received', async () => {
    const messages = await lastValueFrom(capture({ file: sample }).pipe(websocketMessages(), toArray()));
    const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
    // The answer file gives the largest messages by sha256 only; it is grouped by client.
    const answer = readFileSync(expected, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { client: string; dir: string; type: string; text?: string; sha256?: string })
      .filter((r) => r.type === 'text');
    expect(answer.length).toBeGreaterThan(10);
    const got = messages.filter((m) => m.kind === 'text').map((m) => `${formatEndpoint(m.connection.client)} ${m.dir} ${sha(m.text!)}`);
    expect(got.sort()).toEqual(answer.map((r) => `${r.client} ${r.dir} ${r.sha256 ?? sha(r.text!)}`).sort());
  });

  it('errors the observable (not the caller) without a source, or with two', async () => {
    await expect(lastValueFrom(capture({}))).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(lastValueFrom(capture({ file: sample, live: { device: 'lo' } }))).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('openFrames', () => {
  it('cuts the frames at count, and rejects a count that is not a whole number from 1', async () => {
    const frames = await lastValueFrom(openFrames({ file: sample, count: 3 }).pipe(toArray()));
    expect(frames.map((f) => f.frameNumber)).toEqual([1, 2, 3]);
    for (const count of [0, -1, 1.5]) expect(() => openFrames({ file: sample, count })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
