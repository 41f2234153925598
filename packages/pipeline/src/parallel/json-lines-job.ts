import { filter } from 'rxjs';
import type { AppEvent } from '@netrx/core';
import { httpMessageJson, type HttpRequest, type HttpResponse } from '@netrx/dissector-http';
import { websocketMessages, writeWebSocketMessageJson, type WebSocketMessage } from '@netrx/dissector-websocket';
import { packetSummaryJson } from '../packet-summaries.js';
import { tcpConnectionSummaries, type TcpConnectionSummary } from '../tcp-connection-summaries.js';
import { defineLineJob, type LineJob, type StageOptions } from './line-job.js';
import type { Packet } from '@netrx/core';

/** The JSON lines {@link captureJsonLines} writes: what `netrx <command> --format jsonl` writes. */
export type JsonLinesKind = 'packets' | 'tcp' | 'http' | 'ws';

/** Arguments of the built-in JSON lines job: which lines, and the pipeline's options (plain data only). */
export interface JsonLinesArgs {
  readonly lines: JsonLinesKind;
  readonly options?: StageOptions;
}

const STREAM = '"stream":';

function isHttpMessage(ev: AppEvent): ev is HttpRequest | HttpResponse {
  return ev.type === 'http.request' || ev.type === 'http.response';
}

/**
 * The built-in line job of {@link captureJsonLines}: one JSON object a line, per packet
 * (`packetSummaryJson`), TCP connection (`TcpConnectionSummary`), HTTP message
 * (`httpMessageJson`) or WebSocket message (`writeWebSocketMessageJson`).
 */
export const jsonLinesJob = defineLineJob((args: JsonLinesArgs): LineJob<any> => {
  const options = args.options;
  switch (args.lines) {
    case 'packets':
      return { options, stages: (p) => p.packets(), write: (pk: Packet, out) => out.line(packetSummaryJson(pk)) };
    case 'tcp':
      return {
        options,
        stages: (p) => (frames) => frames.pipe(p.streams(), tcpConnectionSummaries()),
        write: (c: TcpConnectionSummary, out) => out.line(JSON.stringify(c)),
        connectionIdAfter: [STREAM],
      };
    case 'http':
      return {
        options,
        stages: (p) => (frames) => frames.pipe(p.events(), filter(isHttpMessage)),
        write: (m: HttpRequest | HttpResponse, out) => out.line(httpMessageJson(m)),
        connectionIdAfter: [STREAM],
      };
    case 'ws':
      return {
        options,
        stages: (p) => (frames) => frames.pipe(p.events(), websocketMessages()),
        write: (m: WebSocketMessage, out) => {
          writeWebSocketMessageJson(m, out);
          out.endLine();
        },
        connectionIdAfter: [STREAM],
      };
    default:
      throw new Error(`unknown JSON lines kind ${String(args.lines)}`);
  }
});
