#!/usr/bin/env node
// Reads a capture of the chat (default: the bundled sample) and prints what each client said,
// using the chat plugin next to this file on top of netrx's default dissectors.
import { fileURLToPath } from 'node:url';
import { filter } from 'rxjs';
import { capture } from '@netrx/pipeline';
import { formatEndpoint } from '@netrx/core';
import { websocketMessages } from '@netrx/dissector-websocket';
import { createChatPlugin, describeChat } from './chat-plugin.mjs';

const file = process.argv[2] ?? fileURLToPath(new URL('../chat-server/capture/chat.pcap', import.meta.url));
/** Nickname per connection, learnt from its login message. */
const nicks = new Map();

capture({ file, extraPlugins: [createChatPlugin()] })
  .pipe(
    websocketMessages(),
    filter((m) => m.dir === 'c2s' && m.decoded?.protocol === 'chat-json'),
  )
  .subscribe({
    next: (m) => {
      const chat = m.decoded.value;
      if (chat.type === 'login') nicks.set(m.connection.id, chat.client_name);
      const nick = nicks.get(m.connection.id) ?? formatEndpoint(m.connection.client);
      console.log(`${formatEndpoint(m.connection.client)}  ${describeChat(chat, nick)}`);
    },
    error: (err) => {
      console.error(`custom-dissector: ${err.message}`);
      process.exitCode = 1;
    },
  });
