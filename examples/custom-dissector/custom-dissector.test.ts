import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { capture } from '@netrx/pipeline';
import { websocketMessages } from '@netrx/dissector-websocket';
// @ts-expect-error: a plain JavaScript module, as an application would write it.
import { chatJson, createChatPlugin } from './chat-plugin.mjs';

const sample = fileURLToPath(new URL('../chat-server/capture/chat.pcap', import.meta.url));
const expected = fileURLToPath(new URL('../chat-server/capture/chat.expected.jsonl', import.meta.url));

async function chatMessages(plugin: unknown) {
  const messages = await lastValueFrom(
    capture({ file: sample, extraPlugins: [plugin as never] }).pipe(websocketMessages(), toArray()),
  );
  return messages.filter((m) => m.decoded?.protocol === 'chat-json');
}

describe('examples/custom-dissector', () => {
  it('decodes every chat JSON message of the sample, by port', async () => {
    const decoded = await chatMessages(createChatPlugin());
    // The answer: every text message the sample's scripts sent or received that is chat JSON
    // (the answer file gives the largest ones by sha256 only; they are chat "say" messages too).
    const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
    const answer = readFileSync(expected, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { dir: string; type: string; text?: string; sha256?: string })
      .filter((r) => r.type === 'text' && (r.text === undefined || chatJson.decode({ kind: 'text', text: r.text } as never) !== undefined));
    expect(answer.length).toBeGreaterThan(10);
    // The answer file is grouped by client, the capture interleaves them: compare as sorted lists.
    const got = decoded.map((m) => `${m.dir} ${sha(m.text!)}`).sort();
    expect(got).toEqual(answer.map((r) => `${r.dir} ${r.sha256 ?? sha(r.text!)}`).sort());
    expect(decoded.map((m) => (m.decoded!.value as { content?: string }).content)).toContain('hi, all ！');
  });

  it('finds the chat by its heuristic on a port the table does not name', async () => {
    const byHeuristic = await chatMessages(createChatPlugin({ port: 1, heuristic: true }));
    const byPort = await chatMessages(createChatPlugin());
    expect(byHeuristic.length).toBe(byPort.length);
    expect(await chatMessages(createChatPlugin({ port: 1, heuristic: false }))).toEqual([]);
  });

  it('rejects what is not chat and never throws', () => {
    const text = (t: string) => ({ kind: 'text', text: t }) as never;
    expect(chatJson.decode(text('{"type":"say","content":"x"}'))).toEqual({ type: 'say', content: 'x' });
    expect(chatJson.decode(text('{"type":"other"}'))).toBeUndefined();
    expect(chatJson.decode(text('{not json'))).toBeUndefined();
    expect(chatJson.decode({ kind: 'binary', payload: new Uint8Array(1) } as never)).toBeUndefined();
  });

  it('runs from its README command', () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('./main.mjs', import.meta.url))], { encoding: 'utf8' });
    expect(out).toContain('mynick says "hi, all ！"');
    expect(out).toContain('bot joined room 1');
  });
});
