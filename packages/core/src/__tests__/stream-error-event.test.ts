import { expect, test } from 'vitest';
import { streamErrorEvent, type Connection } from '../stream.js';

const connection: Connection = { id: 3, family: 6, client: { address: '::1', port: 50000 }, server: { address: '::1', port: 7272 }, clientBy: 'syn' };
const diagnostic = { code: 'ERR_X_BROKEN', severity: 'error', message: 'broken' } as const;

test('streamErrorEvent: one point in the stream, or a range of bytes from first to last', () => {
  expect(streamErrorEvent(connection, 's2c', 'chat', diagnostic, 10n, 4)).toEqual({
    type: 'stream.error',
    connection,
    dir: 's2c',
    firstTs: 10n,
    lastTs: 10n,
    firstFrame: 4,
    lastFrame: 4,
    dissector: 'chat',
    diagnostic,
  });
  expect(streamErrorEvent(connection, 'c2s', 'chat', diagnostic, 10n, 4, 25n, 9)).toMatchObject({ firstTs: 10n, lastTs: 25n, firstFrame: 4, lastFrame: 9 });
});
