// Module boundaries: the engine imports neither the renderers nor the commands, the renderers do not import the
// commands, and the engine's shelves point one way. What each command loads at start-up: test/e2e/startup.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('..', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );
}

/** every relative module a file imports (static, dynamic and re-exports), as a path under src/ */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)));
}

test('no import runs from src/render to src/commands, nor from src/engine to either', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = relative(SRC, f).split('/')[0];
    for (const to of importsOf(f)) {
      const top = to.split('/')[0];
      if ((from === 'render' && top === 'commands') || (from === 'engine' && (top === 'render' || top === 'commands')))
        bad.push(`${relative(SRC, f)} → ${to}`);
    }
  }
  assert.deepEqual(bad, []);
  // the check sees the imports it is about
  assert.ok(importsOf(join(SRC, 'commands/watch-store.ts')).includes('render/store.js'));
});

/** every module a file imports at run time (type-only imports and re-exports are erased by the compiler) */
function runtimeImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(
      /^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/gm,
    ),
  ].map((m) => (m[1] ?? m[2] ?? m[3])!);
  return specs.map((s) => (s.startsWith('.') ? relative(SRC, resolve(dirname(file), s)) : s));
}

test('the engine reads as four shelves: price/ imports neither tfjs nor model/ nor decode/ at run time; io/ imports no other shelf', () => {
  const bad: string[] = [];
  for (const f of files(join(SRC, 'engine'))) {
    const shelf = relative(join(SRC, 'engine'), f).split('/')[0];
    for (const to of runtimeImportsOf(f)) {
      const toShelf = to.startsWith('engine/') ? to.split('/')[1] : to;
      if (shelf === 'price' && (/^@tensorflow\//.test(to) || toShelf === 'model' || toShelf === 'decode'))
        bad.push(`${relative(SRC, f)} → ${to}`);
      if (shelf === 'io' && to.startsWith('engine/') && toShelf !== 'io') bad.push(`${relative(SRC, f)} → ${to}`);
    }
  }
  assert.deepEqual(bad, []);
  // the check sees run-time imports and skips type-only ones
  assert.ok(runtimeImportsOf(join(SRC, 'engine/model/model.ts')).includes('@tensorflow/tfjs-core'));
  assert.ok(!runtimeImportsOf(join(SRC, 'engine/model/model.ts')).includes('engine/price/shape.js'));
  // at most six files at the engine's top: run, lanes, config and the like; everything else on a shelf
  const top = readdirSync(join(SRC, 'engine'), { withFileTypes: true }).filter((d) => d.isFile());
  assert.ok(top.length <= 6, top.map((d) => d.name).join(' '));
  for (const shelf of ['model', 'decode', 'price', 'io'])
    assert.ok(readdirSync(join(SRC, 'engine', shelf)).length > 0, shelf);
});
