#!/usr/bin/env node
// The N slowest HTTP request/response pairs of a capture (request's first byte to response's last
// byte, in packet time), from `httpTransactions()`.
import { fileURLToPath } from 'node:url';
import { filter, toArray } from 'rxjs';
import { capture } from '@netrx/pipeline';
import { formatEndpoint } from '@netrx/core';
import { httpTransactions } from '@netrx/dissector-http';

const file = process.argv[2] ?? fileURLToPath(new URL('../chat-server/capture/chat.pcap', import.meta.url));
const top = Number(process.argv[3] ?? 10);

capture({ file })
  .pipe(
    httpTransactions(),
    filter((t) => t.request !== undefined && t.response !== undefined),
    toArray(),
  )
  .subscribe({
    next: (all) => {
      all.sort((a, b) => (b.duration > a.duration ? 1 : b.duration < a.duration ? -1 : 0));
      for (const t of all.slice(0, top)) {
        const ms = (Number(t.duration) / 1e6).toFixed(3);
        console.log(
          `${ms.padStart(10)} ms  ${formatEndpoint(t.connection.client)} → ${formatEndpoint(t.connection.server)}  ` +
            `${t.request.method} ${t.request.target} → ${t.response.status} ${t.response.reason}`,
        );
      }
      if (all.length === 0) console.log('no complete HTTP request/response pairs');
    },
    error: (err) => {
      console.error(`slowest-http: ${err.message}`);
      process.exitCode = 1;
    },
  });
