// The stream dissector of docs/writing-a-dissector.md, run for real: if the guide's code stops
// working against the API, this fails.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, definePlugin, dissect, LinkType, type CapturedFrame, type StreamDissectorFactory } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { ethernet, ipv4, tcp, TcpFlags } from '../../test-support/packets.js';

const guide = readFileSync(fileURLToPath(new URL('../../docs/writing-a-dissector.md', import.meta.url)), 'utf8');
const code = /```ts\n\/\/ file: line-dissector\.ts\n([\s\S]*?)```/.exec(guide)![1]!;

async function loadGuideDissector(): Promise<StreamDissectorFactory> {
  // Strip the types (the guide is TypeScript) with the TypeScript compiler, then import it.
  const ts = await import('typescript');
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = await import(`data:text/javascript,${encodeURIComponent(js)}`);
  return mod.lineDissector as StreamDissectorFactory;
}

function frames(port: number): CapturedFrame[] {
  const enc = new TextEncoder();
  const seg = (from: 'c' | 's', seq: number, ack: number, flags: number, text = '') => {
    const [src, dst, sp, dp] = from === 'c' ? ['10.0.0.1', '10.0.0.2', 40000, port] : ['10.0.0.2', '10.0.0.1', port, 40000];
    return ethernet(ipv4(tcp(enc.encode(text), { srcPort: sp, dstPort: dp, seq, ack, flags }, src, dst), { src, dst }));
  };
  const A = TcpFlags.ACK;
  const packets = [
    seg('c', 100, 0, TcpFlags.SYN),
    seg('s', 500, 101, TcpFlags.SYN | A),
    seg('c', 101, 501, A, 'HELLO wor'),
    seg('c', 110, 501, A, 'ld\nsecond line\nthi'),
    seg('s', 501, 129, A, 'ok\n'),
  ];
  return packets.map((data, i) => ({
    linkType: LinkType.ETHERNET, timestamp: BigInt(i) * 1000n, caplen: data.length, length: data.length, data, interfaceId: 0, frameNumber: i + 1,
  }));
}

describe('docs/writing-a-dissector.md', () => {
  it("the guide's line dissector works by port and by heuristic", async () => {
    const lineDissector = await loadGuideDissector();
    for (const how of ['port', 'heuristic'] as const) {
      const plugin = definePlugin({
        name: 'lines', coreVersion: '^0.1.0', dependencies: ['tcp'],
        handoff(r) {
          if (how === 'port') r.table('tcp.port').add(9000, lineDissector);
          else r.heuristics('tcp').add(lineDissector);
        },
      });
      const registry = createRegistry([corePlugin, tcpPlugin, plugin]);
      const events = await lastValueFrom(
        from(frames(how === 'port' ? 9000 : 9999)).pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry), toArray()),
      );
      expect(events.map((e) => [e.dir, (e as unknown as { text: string }).text])).toEqual([
        ['c2s', 'HELLO world'],
        ['c2s', 'second line'],
        ['s2c', 'ok'],
      ]);
    }
  });
});
