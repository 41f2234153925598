import type { CapturedFrame } from '@netrx/core';

/** Where a backend delivers. Calls stop after `fail` or `end`. */
export interface BackendSink {
  frame(frame: CapturedFrame): void;
  /** The backend failed while running; nothing more will come. */
  fail(err: Error): void;
  /** The backend stopped after {@link BackendHandle.stop}; nothing more will come. */
  end(): void;
}

/** A running capture. */
export interface BackendHandle {
  /** The link type, when the backend knows it before the first frame. */
  readonly linkType: number | undefined;
  /** Stops capturing; what was captured still arrives, then {@link BackendSink.end}. */
  stop(): void;
  /** Stops at once and frees everything; nothing more reaches the sink. */
  dispose(): void;
}
