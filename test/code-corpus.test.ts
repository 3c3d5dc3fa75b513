// The code corpus's join rule, split and module hold-out (src/train/code-corpus.ts), without the packages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER, isValidModule, joinFiles, kept, moduleOf, splitFiles } from '../src/train/code-corpus.js';

test('joinFiles orders by path and splitFiles inverts it', () => {
  const files = [
    { path: 'os.py', text: 'import sys\n' },
    { path: 'json/decoder.py', text: 'x = 1' },
    { path: 'abc.py', text: '' },
  ];
  const joined = joinFiles(files);
  assert.ok(joined.startsWith(`${HEADER}abc.py\n`));
  assert.deepEqual(
    splitFiles(joined).map((f) => f.path),
    ['abc.py', 'json/decoder.py', 'os.py'],
  );
  // a text without its final newline gets one, so the next header starts a line
  assert.equal(splitFiles(joined).find((f) => f.path === 'json/decoder.py')!.text, 'x = 1\n');
  assert.throws(() => splitFiles('print(1)\n'), /expected/);
});

test('generated files are left out; modules are held out whole', () => {
  assert.ok(kept('json/decoder.py'));
  assert.ok(!kept('pydoc_data/topics.py'));
  assert.ok(!kept('encodings/cp1252.py'));
  assert.ok(kept('encodings/__init__.py'));
  assert.ok(!kept('README.txt'));
  assert.equal(moduleOf('json/decoder.py'), 'json');
  assert.equal(moduleOf('os.py'), 'os');
  // every file of a module lands on the same side
  assert.equal(isValidModule(moduleOf('collections/__init__.py')), isValidModule(moduleOf('collections/abc.py')));
  const names = Array.from({ length: 400 }, (_, i) => `m${i}`);
  const share = names.filter(isValidModule).length / names.length;
  assert.ok(share > 0.02 && share < 0.1, `validation share ${share}`);
});

test('parse rate: Python itself judges whether generated code tokenizes and parses', async () => {
  const { pythonParses, parseRate } = await import('../src/engine/io/python-parse.js');
  assert.deepEqual(
    pythonParses([
      'def f(x):\n    return x + 1\n',
      'def f(x:\n    return',
      'if x:\n  y = 1\n else:\n',
      'x = "unterminated\n',
      '',
    ]),
    [true, false, false, false, true],
  );
  assert.equal(parseRate(['a = 1\n', 'a = = 1\n']), 0.5);
  assert.equal(parseRate([]), null);
});
