/**
 * Resolves after the event loop has had a turn (timers, network I/O). Pass it as
 * `fromCaptureFile(file, { beforeNextChunk: yieldToEventLoop })` when the inspector serves a
 * file: reading a file otherwise goes from chunk to chunk without letting the server answer the
 * page (a read stream that is ahead of the dissector resolves each read at once), so the page
 * would wait for the whole file. One turn per 1 MiB chunk costs next to nothing.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
