import { describe, expect, test } from 'vitest';
import { LineMerge } from '../parallel/line-merge.js';
import { END_TAG, TaggedLineBuffer } from '../parallel/tagged-line-buffer.js';

/** A worker's side, by hand: its lines, its connections (made at which frames). */
class FakeWorker {
  readonly buf: TaggedLineBuffer;
  creations: number[] = [];
  made = 0;

  constructor() {
    this.buf = new TaggedLineBuffer(['"stream":', '#'], () => this.made);
  }

  /** A connection made at `frame`: its id in this worker. */
  connect(frame: number): number {
    this.creations.push(frame);
    return this.made++;
  }

  own(frame: number, ...lines: string[]): this {
    this.buf.tag(frame, false);
    for (const l of lines) this.buf.line(l);
    return this;
  }

  clock(frame: number, ...lines: string[]): this {
    this.buf.tag(frame, true);
    for (const l of lines) this.buf.line(l);
    return this;
  }

  end(...lines: string[]): this {
    this.buf.tag(END_TAG, true);
    for (const l of lines) this.buf.line(l);
    return this;
  }

  /** Sends what was written since the last send. */
  send(merge: LineMerge, index: number, upTo: number, final = false): void {
    const { bytes, lines } = this.buf.take();
    merge.add(index, bytes, lines, this.creations, upTo, final);
    this.creations = [];
    merge.drain();
  }
}

function collect(workers: number): { merge: LineMerge; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const merge = new LineMerge(workers, (channel, bytes) => {
    if (channel === 0) out += Buffer.from(bytes).toString();
    else err += Buffer.from(bytes).toString();
  });
  return { merge, out: () => out, err: () => err };
}

const j = (stream: number, e: string) => `{"stream":${stream},"e":"${e}"}`;

describe('LineMerge', () => {
  test('lines come out in frame order, clock lines by connection id before the frame own lines, end lines by id', () => {
    const { merge, out } = collect(2);
    const a = new FakeWorker();
    const b = new FakeWorker();
    const a0 = a.connect(1);
    a.own(1, j(a0, 'a1')).own(3, j(a0, 'a3'));
    a.send(merge, 0, 3);
    // Worker 1 has not said anything yet: nothing can be placed.
    expect(out()).toBe('');
    const b0 = b.connect(2);
    b.own(2, j(b0, 'b2'));
    b.send(merge, 1, 3);
    // Frames up to 3 are done everywhere.
    expect(out()).toBe([j(0, 'a1'), j(1, 'b2'), j(0, 'a3')].join('\n') + '\n');
    // Frame 4: both clocks close something; worker 1 dissects it. Frame 5: worker 0 makes a connection.
    b.clock(4, j(b0, 'b4 clock')).own(4, j(b0, 'b4'));
    b.send(merge, 1, 5);
    a.clock(4, j(a0, 'a4 clock'));
    const a1 = a.connect(5);
    a.own(5, j(a1, 'a5'));
    a.send(merge, 0, 5);
    a.end(j(a0, 'a end'), j(a1, 'a1 end')).send(merge, 0, Infinity, true);
    b.end(j(b0, 'b end')).send(merge, 1, Infinity, true);
    expect(out().split('\n')).toEqual([
      j(0, 'a1'),
      j(1, 'b2'),
      j(0, 'a3'),
      j(0, 'a4 clock'),
      j(1, 'b4 clock'),
      j(1, 'b4'),
      j(2, 'a5'),
      j(0, 'a end'),
      j(1, 'b end'),
      j(2, 'a1 end'),
      '',
    ]);
  });

  test('connection ids are renumbered in the order of the frames that made them, whatever their digits', () => {
    const { merge, out } = collect(2);
    const a = new FakeWorker();
    const b = new FakeWorker();
    for (let f = 1; f <= 12; f++) b.own(f, j(b.connect(f), `b${f}`));
    b.send(merge, 1, 20);
    const a0 = a.connect(13);
    a.own(13, j(a0, 'a13'), `text line #${a0} → x`).own(14, 'no id here', '{"stream":007}');
    a.send(merge, 0, 20);
    const lines = out().split('\n');
    expect(lines.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => j(i, `b${i + 1}`)));
    // The marker is `"stream":` on this channel; `#0` in a JSON line's text is left alone; `007` is no JSON number.
    expect(lines.slice(12)).toEqual([j(12, 'a13'), 'text line #0 → x', 'no id here', '{"stream":007}', '']);
  });

  test('the messages channel keeps its place and is renumbered with its own marker', () => {
    const { merge, out, err } = collect(2);
    const a = new FakeWorker();
    const b = new FakeWorker();
    b.own(1, 'b1 (no connection)').send(merge, 1, 1);
    const a0 = a.connect(1);
    a.own(1, j(a0, 'never: frame 1 is worker 1')).buf.take();
    b.connect(2);
    b.own(2, j(0, 'b2'));
    b.buf.messages.line('netrx http: #0 stopped');
    b.own(3, j(0, 'b3')).send(merge, 1, 3);
    a.creations = [];
    a.send(merge, 0, 3);
    expect(out()).toBe(['b1 (no connection)', j(0, 'b2'), j(0, 'b3'), ''].join('\n'));
    expect(err()).toBe('netrx http: #0 stopped\n');
  });

  test('a worker that has nothing holds the others back until it says how far it is', () => {
    const { merge, out } = collect(3);
    const w = [new FakeWorker(), new FakeWorker(), new FakeWorker()];
    w[0]!.own(1, 'one').own(4, 'four').send(merge, 0, 4);
    w[1]!.own(2, 'two').send(merge, 1, 4);
    expect(out()).toBe('');
    w[2]!.send(merge, 2, 2);
    expect(out()).toBe('one\ntwo\n');
    w[2]!.own(3, 'three').send(merge, 2, 4);
    expect(out()).toBe('one\ntwo\nthree\nfour\n');
  });

  test('in connection order: each connection\'s item once every lower id\'s is out, its lines together', () => {
    let out = '';
    const merge = new LineMerge(2, (_c, b) => (out += Buffer.from(b).toString()), undefined, true);
    const a = new FakeWorker();
    const b = new FakeWorker();
    // Connections made at frames 1 (a), 2 (b), 3 (a); their items come out at 9 (a: #2), 10 (b: #1), 11 (a: #0).
    a.connect(1);
    b.connect(2);
    a.connect(3);
    a.own(9, j(1, 'third'), 'its second line');
    b.own(10, j(0, 'second'));
    a.own(11, j(0, 'first'));
    b.send(merge, 1, 12);
    expect(out).toBe('');
    a.send(merge, 0, 12);
    expect(out.split('\n')).toEqual([j(0, 'first'), j(1, 'second'), j(2, 'third'), 'its second line', '']);
  });

  test('in connection order: items written at once and items that waited interleave right', () => {
    let out = '';
    const merge = new LineMerge(2, (_c, b) => (out += Buffer.from(b).toString()), undefined, true);
    const a = new FakeWorker();
    const b = new FakeWorker();
    // Global ids: b's first (frame 1) is 0, a's (2) is 1, b's second (3) is 2, a's second (4) is 3.
    b.connect(1);
    a.connect(2);
    b.connect(3);
    a.connect(4);
    // Written in frame order 1 (a), 0 (b), 3 (a), 2 (b).
    a.own(5, j(0, 'one')).own(7, j(1, 'three'));
    b.own(6, j(0, 'zero')).own(8, j(1, 'two'));
    a.send(merge, 0, 9);
    b.send(merge, 1, 9);
    expect(out.split('\n')).toEqual([j(0, 'zero'), j(1, 'one'), j(2, 'two'), j(3, 'three'), '']);
  });

  test('lines longer than the output buffer pass whole', () => {
    const chunks: Uint8Array[] = [];
    const merge = new LineMerge(1, (_c, b) => chunks.push(Uint8Array.from(b)));
    const w = new FakeWorker();
    const big = 'x'.repeat(3 * 1024 * 1024);
    w.own(1, 'small', big, 'after').send(merge, 0, Infinity, true);
    const all = Buffer.concat(chunks).toString();
    expect(all).toBe(`small\n${big}\nafter\n`);
    for (const c of chunks) expect(c.at(-1)).toBe(0x0a);
  });
});
