// The progress note (src/commands/progress.ts): never wider than the terminal, erased before any message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportError } from '../src/commands/errors.js';
import { progress } from '../src/commands/progress.js';
import { Interrupted } from '../src/engine/io/errors.js';

function fakeTty(columns: number) {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY: true, columns, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream,
  };
}

test('a note in a 30-column terminal stays on one line (a wrapped one would leave copies behind)', () => {
  const t = fakeTty(30);
  const note = progress(t.stream, true, 'loading the models');
  note.update('a detail long enough to wrap a narrow terminal');
  note.done();
  for (const w of t.writes) {
    const visible = w.replace(/\r|\x1b\[2K/g, '');
    assert.ok([...visible].length <= 29, JSON.stringify(w));
  }
  assert.equal(t.writes.at(-1), '\r\x1b[2K', 'done erases the line');
});

test('a message while a note is up starts on a clean line', () => {
  const t = fakeTty(80);
  const note = progress(t.stream, true, 'loading the models');
  const err: string[] = [];
  reportError(null, new Interrupted('SIGHUP'), { out: () => {}, err: (s) => void err.push(s) });
  assert.equal(t.writes.at(-1), '\r\x1b[2K', 'the note was erased before the message');
  assert.deepEqual(err, ['dlm-watch: interrupted (SIGHUP)\n']);
  note.done();
  // no terminal: no note at all
  const quiet = fakeTty(80);
  (quiet.stream as { isTTY: boolean }).isTTY = false;
  progress(quiet.stream, true, 'x').done();
  assert.deepEqual(quiet.writes, []);
});
