// The recorded fixtures of ./fixtures (made by fixtures/record.sh): paths and truth.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** One direction of a recorded connection: what the receiving peer's TLS socket delivered. */
export interface TruthDirection {
  bytes: number;
  sha256: string;
}

/** A message as the receiving peer got it. */
export interface TruthMessage {
  dir: 'c2s' | 's2c';
  type: 'text' | 'binary' | 'ping' | 'pong' | 'close';
  len?: number;
  sha256?: string;
  code?: number;
  reason?: string;
}

export interface TruthConnection {
  client: string;
  server: string;
  version: string;
  suite: string;
  alpn: string | null;
  sni: string | null;
  resumed: boolean;
  client_random: string | null;
  keys_in_keylog: boolean;
  key_updates?: { c2s: number; s2c: number };
  c2s: TruthDirection;
  s2c: TruthDirection;
  messages: TruthMessage[];
}

export interface Fixture {
  name: string;
  pcap: string;
  keys: string;
  truth: { scenario: string; about: string; server_port: number; connections: TruthConnection[] };
}

/** Every fixture, by name. */
export function fixtures(): Fixture[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.truth.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.truth.json'.length);
      return {
        name,
        pcap: join(fixturesDir, `${name}.pcap`),
        keys: join(fixturesDir, `${name}.keys`),
        truth: JSON.parse(readFileSync(join(fixturesDir, f), 'utf8')),
      };
    });
}

export function fixture(name: string): Fixture {
  const f = fixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}
