// The part of the `cap` 0.2.1 addon (CommonJS, no bundled types) that netrx uses.
declare module 'cap' {
  import type { EventEmitter } from 'node:events';

  /** One address of a device, as `Cap.deviceList()` reports it. */
  export interface CapAddress {
    addr?: string;
    netmask?: string;
    broadaddr?: string;
    dstaddr?: string;
  }

  /** A device, as `Cap.deviceList()` reports it. */
  export interface CapDevice {
    name: string;
    description?: string;
    addresses: CapAddress[];
    flags?: string;
  }

  /** A libpcap handle. `open` returns the link type's name. */
  export class Cap extends EventEmitter {
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    close(): boolean;
    static deviceList(): CapDevice[];
    static findDevice(ip?: string): string | undefined;
  }

  const cap: { Cap: typeof Cap };
  export default cap;
}
