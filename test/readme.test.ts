// The README is a newcomer's one screen (issue 21): a quick start of at most 60 lines, its two set-up commands first,
// the screenshots it shows made by scripts/screenshots.sh and present, every document it links present, and a marked
// spot for the model families. What it promises about the default run is checked on a recording (e2e/race.test.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the quick start fits in 60 lines and starts with the two set-up commands', () => {
  const start = readme.indexOf('## Quick start');
  const end = readme.indexOf('\n## ', start + 1);
  assert.ok(start >= 0 && end > start);
  const quick = readme.slice(start, end).trimEnd().split('\n');
  assert.ok(quick.length <= 60, `${quick.length} lines`);
  const commands = quick.slice(quick.indexOf('```sh') + 1, quick.indexOf('```', quick.indexOf('```sh') + 1));
  assert.equal(commands.length, 2, commands.join('\n'));
  assert.match(commands[0]!, /^npm install && npx dlm-watch\s/);
  assert.match(commands[1]!, /^npm test\s/);
});

test("every picture and document the README links is there; the screenshots are the script's three sizes", () => {
  const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
  assert.ok(links.length > 5);
  for (const l of links) assert.ok(existsSync(join(ROOT, l)), l);
  const script = readFileSync(join(ROOT, 'scripts', 'screenshots.sh'), 'utf8');
  for (const size of ['160x48', '100x30', '80x24']) {
    assert.ok(readme.includes(`docs/screenshot-${size}.png`), size);
    assert.ok(script.includes(size), `scripts/screenshots.sh makes ${size}`);
  }
});

test('a marked spot for the two model families', () => {
  assert.match(readme, /## Two model families\n/);
});
