import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin, websocketMessageJson } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { keepConnectionEvents, InspectorStore } from '@netrx/inspector';
const mode = process.argv[3];
const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
const store = new InspectorStore({ maxChars: 4e9 });
const t0 = performance.now();
let n = 0;
fromCaptureFile(process.argv[2]).pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry))).subscribe({ next: (e) => {
  if (mode === 'none') n++;
  else if (mode === 'json') { if (e.type === 'ws.message') n += websocketMessageJson(e).length; }
  else store.add(e);
}, complete: () => console.log(mode, Math.round(performance.now() - t0), 'ms') });
