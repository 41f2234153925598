import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { loadCap } from './cap-backend.js';
import { LiveCaptureError } from './live-capture-error.js';

/** One address of a capture device. */
export interface LiveDeviceAddress {
  readonly address: string;
  readonly netmask?: string;
  readonly broadcast?: string;
}

/** A device live capture can open. */
export interface LiveDevice {
  /** The name to pass as `device` (`-i`). */
  readonly name: string;
  /** libpcap's description, for pseudo-devices (`any`, `nflog`). */
  readonly description?: string;
  readonly addresses: readonly LiveDeviceAddress[];
  readonly loopback: boolean;
}

/**
 * Lists the capture devices libpcap knows: through `cap` when it loads, else from
 * `tcpdump --list-interfaces` with the addresses Node reports for each interface.
 *
 * @example
 * ```ts
 * import { listDevices } from '@netrx/source-live';
 *
 * for (const d of await listDevices()) console.log(d.name, d.addresses.map((a) => a.address).join(' '));
 * ```
 */
export async function listDevices(options: { readonly tcpdumpPath?: string } = {}): Promise<LiveDevice[]> {
  const cap = await loadCap();
  if (cap.ok) {
    return cap.Cap.deviceList().map((d) => ({
      name: d.name,
      ...(d.description !== undefined ? { description: d.description } : {}),
      addresses: d.addresses
        .filter((a) => a.addr !== undefined)
        .map((a) => ({ address: a.addr!, ...(a.netmask ? { netmask: a.netmask } : {}), ...(a.broadaddr ? { broadcast: a.broadaddr } : {}) })),
      loopback: d.flags === 'PCAP_IF_LOOPBACK',
    }));
  }
  const tcpdump = options.tcpdumpPath ?? 'tcpdump';
  const out = await new Promise<string>((resolve, reject) =>
    execFile(tcpdump, ['--list-interfaces'], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new LiveCaptureError(
          missing ? 'no-backend' : 'failed',
          missing
            ? `cannot list devices: ${cap.reason}, and ${tcpdump} was not found on PATH; install tcpdump, or install libpcap-dev and run \`npm rebuild cap\``
            : `cannot list devices: tcpdump --list-interfaces failed: ${stderr.trim() || err.message}`,
        ),
      );
    }),
  );
  return parseTcpdumpInterfaces(out, networkInterfaces());
}

/**
 * Parses `tcpdump --list-interfaces` (`1.eth0 [Up, Running]`, `2.any (Pseudo-device …) [Up]`)
 * and adds the addresses of each interface from `os.networkInterfaces()`.
 */
export function parseTcpdumpInterfaces(text: string, addresses: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>): LiveDevice[] {
  const devices: LiveDevice[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+\.(\S+)(?: \((.*)\))?(?: \[([^\]]*)\])?$/.exec(line.trim());
    if (!m) continue;
    const name = m[1]!;
    const flags = m[3] ?? '';
    const addrs = (addresses[name] ?? []).map((a) => ({ address: a.address, netmask: a.netmask }));
    devices.push({ name, ...(m[2] !== undefined ? { description: m[2] } : {}), addresses: addrs, loopback: /\bLoopback\b/.test(flags) });
  }
  return devices;
}
