import { listDevices, type LiveDevice } from '@netrx/source-live';
import type { CliArgs } from '../args.js';
import { LineWriter, type CliIO } from '../output.js';

/** One line for people: name, flags, addresses, description. */
export function deviceText(d: LiveDevice): string {
  const addrs = d.addresses.map((a) => a.address).join(' ');
  return [d.name.padEnd(16), d.loopback ? 'loopback' : '', addrs, d.description ? `(${d.description})` : ''].filter(Boolean).join(' ').trimEnd();
}

/** One JSON object: `name`, `description` (or null), `addresses`, `loopback`. */
export function deviceJson(d: LiveDevice): string {
  return JSON.stringify({ name: d.name, description: d.description ?? null, addresses: d.addresses, loopback: d.loopback });
}

/**
 * `netrx devices [--format text|jsonl]`: the devices live capture can open (`-i NAME`), with
 * their addresses and descriptions, through libpcap (`cap`) or `tcpdump --list-interfaces`.
 */
export async function devices(args: CliArgs, io: CliIO): Promise<number> {
  const list = await listDevices();
  const out = new LineWriter(io.stdout);
  for (const d of list) out.line(args.format === 'jsonl' ? deviceJson(d) : deviceText(d));
  await out.end();
  return 0;
}
