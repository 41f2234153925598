import { corePlugin, type NetrxPlugin } from '@netrx/core';
import { tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';

/**
 * The plugins a pipeline registers unless told otherwise (and the ones `netrx` uses): the base
 * dissectors (link layers, IP, UDP), TCP, HTTP/1.1 and WebSocket.
 */
export const defaultPlugins: readonly NetrxPlugin[] = [corePlugin, tcpPlugin, httpPlugin, websocketPlugin];
