import type { ChildRun } from './child-run.js';

/** What a run of `netrx <command> -r <file>` on a mutated capture came to. */
export type Outcome = 'ok' | 'corrupt, offset named' | 'corrupt, no offset' | 'other error' | 'crash' | 'hang' | 'unclear';
/** Every outcome, in the order the tables show them. */
export const OUTCOMES: readonly Outcome[] = ['ok', 'corrupt, offset named', 'corrupt, no offset', 'other error', 'crash', 'hang', 'unclear'];
/** The outcomes that make the campaign fail. */
export const FAILING: ReadonlySet<Outcome> = new Set(['crash', 'hang', 'unclear']);

/** A stack frame line (`    at fn (file:1:2)`): an exception netrx did not turn into a message. */
const STACK = /^\s+at .*(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;
/** How netrx's file errors name where a file breaks. */
const OFFSET = /\bbyte \d+|\boffset \d+|after \d+ bytes|\bfirst bytes\b|ends after \d+ bytes|\bis empty\b/;

/**
 * Classifies a run of `netrx <command> -r <file>`. netrx exits 0, 1 (a source failed: the message
 * says why) or 2 (a bad command line, never expected here); every stderr line is its own,
 * starting with `netrx` (continuation lines are indented).
 */
export function classify(r: ChildRun, file: string): Outcome {
  if (r.timedOut) return 'hang';
  if (r.signal || (r.status !== 0 && r.status !== 1 && r.status !== 2)) return 'crash';
  if (STACK.test(r.stderr) || /^(Uncaught |FATAL ERROR|node:internal|<--- Last few GCs)/m.test(r.stderr)) return 'crash';
  const foreign = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('netrx') && !/^\s/.test(l));
  if (foreign.length || r.status === 2) return 'unclear';
  if (r.status === 0) return 'ok';
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('netrx'));
  if (!lines.length) return 'unclear';
  // A source failure names the file (`netrx ws: /path/x.pcap: file ends inside record 3 at byte 99 …`);
  // summary lines about what was read may come before it.
  const about = lines.filter((l) => l.includes(file));
  if (about.length) return about.some((l) => OFFSET.test(l)) ? 'corrupt, offset named' : 'corrupt, no offset';
  return 'other error';
}
