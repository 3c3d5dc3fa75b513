test('a roof name never covers a marker or a roof: it moves up, or says less, or goes', () => {
  const local = { peak: 2e10, bandwidth: 1e10, kind: 'local' as const, label: 'this machine (best pass so far)' };
  // measured points right under the local roof's name, at 80×24's chart size
  const here: ChartPoint[] = [1, 3, 30, 100, 300, 1000].map((x) => ({
    x,
    y: 1.6e10,
    lane: 1,
    where: 'local' as const,
    latest: false,
  }));
  for (const [width, height] of [
    [38, 6],
    [55, 7],
    [88, 24],
  ] as const) {
    const all = text(
      rooflineChart({ width, height, roofs: [H200, local], points: [...points, ...here], ridgeX: 412, ascii: false }),
    ).join('\n');
    const bare = text(
      rooflineChart({
        width,
        height,
        roofs: [H200, { ...local, label: '' }],
        points: [...points, ...here],
        ridgeX: 412,
        ascii: false,
      }),
    ).join('\n');
    // every cell the bare chart draws (a roof, the ridge, a marker) is drawn the same with the names
    const a = [...all],
      b = [...bare];
    b.forEach((ch, i) => {
      if (ch !== ' ') assert.equal(a[i], ch, `${width}×${height}: a name covers '${ch}':\n${all}`);
    });
    assert.ok(!/this machin[^e]/.test(all), all);
  }
});

// The roofline chart (render/roofline-chart.ts): log-log placement, the roof's bend at the ridge, markers per lane,
// ASCII fallback, exact width; and the word wrap of lane text (render/wrap.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decadeLabel, LABEL_MARGIN, rooflineChart, type ChartPoint } from '../src/render/roofline-chart.js';
import { wrapWords } from '../src/render/wrap.js';
import type { Atom } from '../src/render/text.js';

const H200 = { peak: 1979e12, bandwidth: 4.8e12, kind: 'target' as const, label: 'H200' };
const points: ChartPoint[] = [
  { x: 2, y: 2 * 0.75 * 4.8e12, lane: 0, where: 'target', latest: true }, // AR: 0.5 B/F, on the slope
  { x: 530, y: 0.7 * 1979e12, lane: 1, where: 'target', latest: true }, // diffusion: under the ceiling
];
const text = (rows: ReturnType<typeof rooflineChart>) => rows.map((r) => r.map((x) => x.text).join(''));

test('every row is exactly the width asked; the x axis is labelled by decade', () => {
  const rows = text(rooflineChart({ width: 70, height: 16, roofs: [H200], points, ridgeX: 1979 / 4.8, ascii: false }));
  assert.equal(rows.length, 16);
  for (const r of rows) assert.equal([...r].length, 70, r);
  assert.match(rows[rows.length - 1]!, /0\.1\s+1\s+10\s+100\s+1k\s+10k/);
  assert.deepEqual([decadeLabel(-1), decadeLabel(0), decadeLabel(3), decadeLabel(15)], ['0.1', '1', '1k', '1P']);
});

test('AR sits left of the ridge, on the slope; diffusion right of it, under the ceiling; the ridge is a dotted line', () => {
  const rows = text(rooflineChart({ width: 70, height: 16, roofs: [H200], points, ridgeX: 1979 / 4.8, ascii: true }));
  const find = (ch: string) => rows.findIndex((r) => r.includes(ch));
  const ar = { row: find('A'), col: rows[find('A')]!.indexOf('A') };
  const diff = { row: find('D'), col: rows[find('D')]!.indexOf('D') };
  const ridgeCol = rows[rows.length - 3]!.indexOf(':');
  assert.ok(ar.col < ridgeCol && diff.col > ridgeCol, `A ${ar.col}, ridge ${ridgeCol}, D ${diff.col}`);
  assert.ok(diff.row < ar.row, 'diffusion attains more FLOP/s');
  // the ceiling row holds - right of the ridge; the slope / left of it
  assert.ok(rows.some((r) => /-{10,}/.test(r)) && rows.some((r) => r.includes('/')));
  // ASCII: nothing outside printable ASCII
  for (const r of rows) assert.match(r, /^[\x20-\x7e]*$/, r);
});

test('two lanes whose passes land in one cell both stay visible', () => {
  const same: ChartPoint[] = [
    { x: 2, y: 7e12, lane: 0, where: 'target', latest: true },
    { x: 2, y: 7e12, lane: 2, mark: 3, where: 'target', latest: true }, // speculative's ▲
  ];
  const all = text(
    rooflineChart({ width: 70, height: 16, roofs: [H200], points: same, ridgeX: null, ascii: false }),
  ).join('\n');
  assert.ok(all.includes('●') && all.includes('▲'));
});

const atom = (t: string, kind: Atom['kind'] = 'old', breakAfter = false): Atom => ({
  text: t,
  kind,
  confidence: null,
  breakAfter,
});

test('word wrap: BPE pieces of a word stay on one line; a word wider than the line is cut; breaks kept', () => {
  const atoms = [
    atom('It'),
    atom(' is'),
    atom(' the'),
    atom(' c'),
    atom('redit'),
    atom(' of'),
    atom(' her', 'old', true),
    atom('Mr'),
    atom('.'),
  ];
  const lines = wrapWords(atoms, 10).map((l) => l.map((a) => a.text).join(''));
  assert.deepEqual(lines, ['It is the', 'credit of', 'her', 'Mr.']);
  const long = wrapWords([atom('ab'), atom(' Supercalifragilistic')], 8).map((l) => l.map((a) => a.text).join(''));
  assert.ok(
    long.every((l) => [...l].length <= 8),
    JSON.stringify(long),
  );
  assert.deepEqual(long, ['ab', 'Supercal', 'ifragili', 'stic']);
});

test('a roof name keeps LABEL_MARGIN blank columns from the right edge (it never runs into text beside the chart)', () => {
  const target = { ...H200, label: 'H200 SXM: 1.98 PFLOP/s, 4.80 TB/s' };
  const local = { peak: 2e12, bandwidth: 4e10, kind: 'local' as const, label: 'this machine (best pass so far)' };
  // the chart's sizes beside the legend at 120×40, 100×30 and 200×50
  for (const [width, height] of [
    [66, 12],
    [55, 7],
    [110, 18],
  ] as const) {
    const rows = rooflineChart({ width, height, roofs: [target, local], points, ridgeX: 385, ascii: false });
    let names = 0;
    for (const runs of rows) {
      let col = 0;
      for (const r of runs) {
        col += [...r.text].length;
        if (r.kind !== 'label') continue;
        names++;
        const after = runs.map((x) => x.text).join('');
        assert.ok(col + LABEL_MARGIN <= width, `${width}×${height}: '${r.text}' ends at ${col}`);
        assert.equal([...after].slice(col, col + LABEL_MARGIN).join(''), ' '.repeat(LABEL_MARGIN), after);
      }
    }
    assert.ok(names >= 1, `${width}×${height}: a roof is named`);
  }
});

test('a lane keeps its marker whatever else runs: speculative is ▲ beside AR and diffusion and beside AR and block', async () => {
  const { laneMark, MARKERS: M } = await import('../src/render/roofline-chart.js');
  const mark = (id: string) => M.target[laneMark(id)];
  assert.deepEqual(['ar', 'diffusion', 'block', 'speculative'].map(mark), ['●', '◆', '■', '▲']);
  // the chart draws a point by its mark, not its place in the run
  const drawn = text(
    rooflineChart({
      width: 70,
      height: 16,
      roofs: [H200],
      points: [{ x: 2, y: 2 * 0.75 * 4.8e12, lane: 1, mark: laneMark('speculative'), where: 'target', latest: true }],
      ridgeX: 1979 / 4.8,
      ascii: false,
    }),
  ).join('\n');
  assert.ok(drawn.includes('▲') && !drawn.includes('◆'), drawn);
});
