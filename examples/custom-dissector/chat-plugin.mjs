// A netrx plugin that dissects the chat's JSON messages (workerman-chat's protocol) carried over
// WebSocket. It plugs into the tables the WebSocket plugin declares: `ws.port` (the chat server's
// port) and the `ws` heuristic list (any port: a JSON object with a string "type" it knows).
import { definePlugin } from '@netrx/core';

/** The message types of the chat protocol. */
const CHAT_TYPES = new Set(['login', 'say', 'logout', 'ping', 'pong']);

/**
 * The payload dissector: WebSocket text message in, chat message out (or undefined: not chat).
 * It must not throw; netrx treats a throw as "not mine" anyway.
 *
 * @type {import('@netrx/dissector-websocket').WebSocketPayloadDissector}
 */
export const chatJson = {
  name: 'chat-json',
  decode(message) {
    if (message.kind !== 'text' || !message.text?.startsWith('{')) return undefined;
    let value;
    try {
      value = JSON.parse(message.text);
    } catch {
      return undefined;
    }
    if (typeof value?.type !== 'string' || !CHAT_TYPES.has(value.type)) return undefined;
    return value;
  },
  /** One line for `netrx ws --plugin chat-plugin.mjs`: who said what (the server's broadcasts name the sender). */
  summarize(chat) {
    const text = JSON.stringify(String(chat.content ?? '').slice(0, SHOW));
    switch (chat.type) {
      case 'say':
        // A client's own message names no sender; the server's broadcast does.
        return chat.from_client_name ? `${chat.from_client_name} says ${text}` : `says ${text}`;
      case 'login':
        return `${chat.client_name} logs in${chat.room_id ? ` to room ${chat.room_id}` : ''}`;
      default:
        return chat.type;
    }
  },
};

/**
 * Options: `port`, the chat server's port (7272 by default); `heuristic`, whether to also try the
 * dissector on WebSocket connections on other ports (on by default).
 */
export function createChatPlugin({ port = 7272, heuristic = true } = {}) {
  return definePlugin({
    name: 'chat',
    coreVersion: '^0.1.0',
    dependencies: ['websocket'],
    handoff(registry) {
      registry.table('ws.port').add(port, chatJson);
      if (heuristic) registry.heuristics('ws').add(chatJson, { name: 'chat-json' });
    },
  });
}

/** Longest chat text shown before it is shortened. */
const SHOW = 80;

/**
 * Says what a client sent, the way a person would: `nick` is the name the connection logged in
 * with (the chat protocol names the sender only in the server's broadcasts).
 */
export function describeChat(chat, nick) {
  switch (chat.type) {
    case 'login':
      return `${chat.client_name} joined room ${chat.room_id ?? '?'}`;
    case 'logout':
      return `${nick} left`;
    case 'say': {
      const text = String(chat.content);
      const shown = text.length > SHOW ? `${text.slice(0, SHOW)}… (${text.length} chars)` : text;
      const to = chat.to_client_id && chat.to_client_id !== 'all' ? ` to ${chat.to_client_id}` : '';
      return `${nick} says ${JSON.stringify(shown)}${to}`;
    }
    default:
      return `${nick}: ${chat.type}`;
  }
}

/**
 * The default export, for `netrx ws --plugin examples/custom-dissector/chat-plugin.mjs`: the
 * command calls it (no options: port 7272, heuristic on) and registers the plugin it returns.
 */
export default createChatPlugin;
