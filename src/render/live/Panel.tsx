// Beside the roofline: the totals table (columns kept by importance as width allows), the ridge, per-pass bars of
// bytes and FLOPs over the run (one column per pass, on one log scale for all lanes, so they compare), the legend.
import { Box, Text } from 'ink';
import { fieldsLine, passSummary } from '../../engine/lanes.js';
import type { ProjectionTarget } from '../../engine/price/project.js';
import type { LaneTotals } from '../../engine/price/totals.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlopPerByte, formatFlops, formatMs } from '../format.js';
import { SPARK } from '../glyphs.js';
import { fitFirst, lanesTokensPerPass } from '../lines.js';
import { laneProjection, targetAttainedRidge, targetRidge } from '../projection.js';
import type { Snapshot } from '../store.js';
import { Legend } from './Chart.js';
import { laneColor, RIDGE_COLOR } from './style.js';

interface Column {
  head: string;
  width: number;
  cell: (id: string) => string;
}

/** A lane's passes: "64", or "105+411d" where a draft's passes read a smaller model (tok/pass divides by the first) */
export function passesCell(t: LaneTotals): string {
  const draft = t.passes - t.modelPasses;
  return draft > 0 ? `${t.modelPasses}+${draft}d` : String(t.passes);
}

/** lane label column width: the longest label, + 1 */
const labelWidth = (info: RunInfo) => Math.max(5, ...info.lanes.map((l) => l.label.length)) + 1;

export function totalsColumns(
  snap: Snapshot,
  info: RunInfo,
  target: ProjectionTarget | null,
  showWallMs: boolean,
  width: number,
): Column[] {
  const lanes = snap.lanes;
  const proj = (id: string) =>
    target && lanes[id]!.passes.length ? laneProjection(id, lanes[id]!.passes, target) : null;
  // in order of importance; the table keeps a prefix that fits
  const all: Column[] = [{ head: 'passes', width: 9, cell: (id) => passesCell(lanes[id]!.totals) }];
  if (target) {
    all.push({
      head: `on ${target.roofline.name}`.slice(0, 13),
      width: 14,
      cell: (id) => {
        const x = proj(id);
        return x ? formatMs(x.total.seconds * 1000) : '—';
      },
    });
    all.push({
      head: 'proj B/F',
      width: 9,
      cell: (id) => {
        const x = proj(id);
        return x ? formatBytesPerFlop(x.bytesPerFlop) : '—';
      },
    });
  }
  all.push({
    head: 'tok/pass',
    width: 9,
    cell: (id) =>
      // no pass yet: no rate (not 0.00)
      lanes[id]!.totals.passes ? lanesTokensPerPass(lanes[id]!.totals).toFixed(2) : '—',
  });
  if (target) {
    all.push({
      head: 'proj bytes',
      width: 11,
      cell: (id) => {
        const x = proj(id);
        return x ? formatBytes(x.total.bytes) : '—';
      },
    });
    all.push({
      head: 'proj FLOPs',
      width: 12,
      cell: (id) => {
        const x = proj(id);
        return x ? formatFlops(x.total.flops) : '—';
      },
    });
  }
  all.push({
    head: 'B/F here',
    width: 9,
    cell: (id) => (lanes[id]!.totals.passes ? formatBytesPerFlop(lanes[id]!.totals.bytesPerFlop) : '—'),
  });
  if (showWallMs) all.push({ head: 'here', width: 10, cell: (id) => formatMs(lanes[id]!.totals.wallMs) });
  const out: Column[] = [];
  let used = labelWidth(info);
  for (const c of all) {
    if (used + c.width > width) break;
    out.push(c);
    used += c.width;
  }
  return out;
}

export function TotalsTable({
  snap,
  info,
  target,
  showWallMs,
  width,
  color,
}: {
  snap: Snapshot;
  info: RunInfo;
  target: ProjectionTarget | null;
  showWallMs: boolean;
  width: number;
  color: boolean;
}) {
  const cols = totalsColumns(snap, info, target, showWallMs, width);
  const lw = labelWidth(info);
  // after the columns, where the width leaves room: the lane's own running figures (speculative: α and τ), whole or
  // not at all (a cut "α 0.3…" reads as α = 0.3, and a cut row would cut the last column's digits)
  const room = width - lw - cols.reduce((n, c) => n + c.width, 0);
  const figures = (id: string) => {
    const e = snap.lanes[id]?.event;
    const f = e ? passSummary(e)?.fields : null;
    const s = f?.length ? `  ${fieldsLine(f)}` : '';
    return s.length <= room ? s : '';
  };
  return (
    <>
      <Text wrap="truncate" dimColor>
        {'Σ lane'.padEnd(lw) + cols.map((c) => c.head.padStart(c.width)).join('')}
      </Text>
      {info.lanes.map((l) => (
        <Text key={l.id} wrap="truncate">
          <Text color={color ? laneColor(l.color) : undefined}>{l.label.padEnd(lw)}</Text>
          <Text>{cols.map((c) => c.cell(l.id).padStart(c.width)).join('') + figures(l.id)}</Text>
        </Text>
      ))}
    </>
  );
}

/** one row of bars, the last `width` values: height v / max in eighths (linear, so 265× more FLOPs looks it);
 * any value above zero gets at least the lowest bar */
export function linearBars(values: readonly number[], max: number, width: number): string {
  if (width <= 0) return '';
  return values
    .slice(-width)
    .map((v) =>
      v > 0 && max > 0 ? SPARK[Math.min(SPARK.length - 1, Math.max(0, Math.ceil((v / max) * SPARK.length) - 1))] : ' ',
    )
    .join('');
}

/** bytes and FLOPs of every pass on the target (else here), two rows per lane */
export function PassBars({
  snap,
  info,
  target,
  width,
  rows,
  color,
}: {
  snap: Snapshot;
  info: RunInfo;
  target: ProjectionTarget | null;
  width: number;
  rows: number;
  color: boolean;
}) {
  const series = info.lanes.map((l) => {
    const s = snap.lanes[l.id]!;
    if (target && s.passes.length) {
      const p = laneProjection(l.id, s.passes, target).passes;
      return { bytes: p.map((x) => x.cost.bytes.total), flops: p.map((x) => x.cost.flops.total) };
    }
    return { bytes: s.here.map((h) => h.bytes), flops: s.here.map((h) => h.flops) };
  });
  // one scale per quantity for all lanes, so their bars compare
  const bh = Math.max(0, ...series.flatMap((s) => s.bytes));
  const fh = Math.max(0, ...series.flatMap((s) => s.flops));
  const lw = labelWidth(info);
  const valueW = 12;
  const track = Math.max(4, width - lw - 2 - valueW);
  const out = [
    <Text key="h" wrap="truncate" dimColor>
      {`each pass${target ? ` on ${target.roofline.name}` : ''}: B bytes, F FLOPs (bar height ∝ value, newest right)`}
    </Text>,
  ];
  info.lanes.forEach((l, i) => {
    const s = series[i]!;
    const c = color ? laneColor(l.color) : undefined;
    const last = (xs: number[], f: (v: number) => string) => (xs.length ? f(xs[xs.length - 1]!) : '—');
    out.push(
      <Text key={`${l.id}b`} wrap="truncate">
        <Text color={c}>{l.label.padEnd(lw)}</Text>
        <Text dimColor>B </Text>
        <Text color={c}>{linearBars(s.bytes, bh, track).padEnd(track)}</Text>
        <Text>{' ' + last(s.bytes, formatBytes).padStart(valueW - 1)}</Text>
      </Text>,
      <Text key={`${l.id}f`} wrap="truncate">
        <Text>{''.padEnd(lw)}</Text>
        <Text dimColor>F </Text>
        <Text color={c}>{linearBars(s.flops, fh, track).padEnd(track)}</Text>
        <Text>{' ' + last(s.flops, formatFlops).padStart(valueW - 1)}</Text>
      </Text>,
    );
  });
  return <>{out.slice(0, rows)}</>;
}

export function RidgeLine({
  target,
  color,
  width,
}: {
  target: ProjectionTarget | null;
  color: boolean;
  width: number;
}) {
  if (!target) return <Text dimColor>no projection: this machine only</Text>;
  // the ridge every bound is judged against (at the efficiencies), in the chart's x unit first; the chart reads
  // FLOP/B left to right, so memory-bound passes sit left of it (B/F above the ridge)
  const at = targetAttainedRidge(target);
  const fpb = `ridge ${formatFlopPerByte(1 / at)} FLOP/B at η`;
  const bf = `${fpb} = ${formatBytesPerFlop(at)} B/F`;
  const line = fitFirst(
    [
      `${bf} (datasheet ${formatBytesPerFlop(targetRidge(target))}): left of it memory-bound, right compute-bound`,
      `${bf} (datasheet ${formatBytesPerFlop(targetRidge(target))}): left of it memory-bound`,
      `${bf}: left of it memory-bound, right compute-bound`,
      `${bf}: left of it memory-bound`,
      `${fpb}: left of it memory-bound`,
      `${fpb}: left memory-bound`,
      fpb,
    ],
    width,
  );
  const cut = line.search(/ \(|:/);
  const head = cut < 0 ? line : line.slice(0, cut);
  return (
    <Text wrap="truncate">
      <Text color={color ? RIDGE_COLOR : undefined}>{head}</Text>
      <Text dimColor>{line.slice(head.length)}</Text>
    </Text>
  );
}

export interface PanelProps {
  snap: Snapshot;
  info: RunInfo;
  target: ProjectionTarget | null;
  width: number;
  rows: number;
  color: boolean;
  ascii: boolean;
  showWallMs: boolean;
}

/** table, ridge, then bars and legend as rows allow */
export function Panel(p: PanelProps) {
  const n = p.info.lanes.length;
  const table = 1 + n;
  const left = p.rows - table;
  const ridge = left >= 1;
  const legend = left >= 2 ? (left >= 3 ? 2 : 1) : 0;
  const barsRows = left - (ridge ? 1 : 0) - legend - 1; // a blank row before the bars
  const bars = barsRows >= 1 + 2 * n;
  return (
    <Box flexDirection="column" width={p.width}>
      <TotalsTable
        snap={p.snap}
        info={p.info}
        target={p.target}
        showWallMs={p.showWallMs}
        width={p.width}
        color={p.color}
      />
      {ridge ? <RidgeLine target={p.target} color={p.color} width={p.width} /> : null}
      {legend ? (
        <Legend
          info={p.info}
          target={p.target}
          ascii={p.ascii}
          showWallMs={p.showWallMs}
          color={p.color}
          width={p.width}
          rows={legend}
        />
      ) : null}
      {bars ? <Text> </Text> : null}
      {bars ? (
        <PassBars snap={p.snap} info={p.info} target={p.target} width={p.width} rows={1 + 2 * n} color={p.color} />
      ) : null}
    </Box>
  );
}
