// The roofline of the run (render/roofline-chart.ts draws it as text; this colours it): the target's roof, this
// machine's, the ridge, and every lane's passes — filled markers on the target, hollow ones as measured here.
import { Box, Text } from 'ink';
import type { ProjectionTarget } from '../../engine/price/project.js';
import { observedRoof } from '../../engine/price/roofline.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlopPerByte, formatFlops } from '../format.js';
import { fitFirst } from '../lines.js';
import { laneProjection, targetAttainedRidge } from '../projection.js';
import {
  ASCII_MARKERS,
  laneMark,
  MARKERS,
  rooflineChart,
  type ChartKind,
  type ChartPoint,
  type ChartRoof,
} from '../roofline-chart.js';
import type { Snapshot } from '../store.js';
import { laneColor, RIDGE_COLOR } from './style.js';

/** This machine's roof from `dlm-watch calibrate`, when a profile exists. */
export interface LocalRoof {
  peakFlops: number;
  bandwidth: number;
}

export interface ChartProps {
  snap: Snapshot;
  info: RunInfo;
  target: ProjectionTarget | null;
  width: number;
  height: number;
  color: boolean;
  ascii: boolean;
  /** measured points and the roof they show (live only: recordings hide measured times) */
  showWallMs: boolean;
  localRoof: LocalRoof | null;
}

/** the chart's points and roofs from a snapshot (exported for tests) */
export function chartData(p: Pick<ChartProps, 'snap' | 'info' | 'target' | 'showWallMs' | 'localRoof'>): {
  points: ChartPoint[];
  /** the corners of every pass of a timed race (known before it starts): the axes' extent, not drawn */
  extent: ChartPoint[];
  roofs: ChartRoof[];
  local: 'profile' | 'observed' | null;
} {
  const points: ChartPoint[] = [];
  const extent: ChartPoint[] = [];
  const measured: { bytes: number; flops: number; seconds: number }[] = [];
  p.info.lanes.forEach((l, lane) => {
    const s = p.snap.lanes[l.id];
    if (!s) return;
    if (s.whole) extent.push(...wholeExtent(l.id, s.whole, p.target, p.showWallMs));
    if (p.target && s.passes.length) {
      const proj = laneProjection(l.id, s.passes, p.target);
      proj.passes.forEach((x, i) =>
        points.push({
          x: x.cost.flops.total / x.cost.bytes.total,
          y: x.cost.flops.total / x.seconds,
          lane,
          mark: laneMark(l.id),
          where: 'target',
          latest: i === proj.passes.length - 1,
        }),
      );
    }
    if (p.showWallMs)
      s.here.forEach((h, i) => {
        if (!(h.wallMs > 0)) return;
        measured.push({ bytes: h.bytes, flops: h.flops, seconds: h.wallMs / 1000 });
        points.push({
          x: h.flops / h.bytes,
          y: h.flops / (h.wallMs / 1000),
          lane,
          mark: laneMark(l.id),
          where: 'local',
          latest: i === s.here.length - 1,
        });
      });
  });
  const roofs: ChartRoof[] = [];
  if (p.target) {
    const r = p.target.roofline;
    roofs.push({
      peak: r.peakFlops,
      bandwidth: r.bandwidth,
      kind: 'target',
      label: `${r.name}: ${formatFlops(r.peakFlops)}/s, ${formatBytes(r.bandwidth)}/s`,
    });
  }
  const seen = p.showWallMs ? observedRoof(measured) : null;
  const local = p.localRoof ?? seen;
  if (local)
    roofs.push({
      peak: local.peakFlops,
      bandwidth: local.bandwidth,
      kind: 'local',
      label: p.localRoof ? 'this machine (calibrate)' : 'this machine (best pass so far)',
    });
  return { points, extent, roofs, local: p.localRoof ? 'profile' : seen ? 'observed' : null };
}

const extents = new WeakMap<object, Map<ProjectionTarget | null, { here: boolean; corners: ChartPoint[] }>>();
/** Two corners spanning every point a lane's whole run will draw (on the target, and measured here where shown),
 *  memoised per run and target: frames redraw often. */
function wholeExtent(
  id: string,
  whole: NonNullable<ChartProps['snap']['lanes'][string]['whole']>,
  target: ProjectionTarget | null,
  here: boolean,
): ChartPoint[] {
  let byTarget = extents.get(whole);
  if (!byTarget) extents.set(whole, (byTarget = new Map()));
  const hit = byTarget.get(target);
  if (hit && hit.here === here) return hit.corners;
  const xy: [number, number][] = [];
  if (target && whole.passes.length)
    for (const x of laneProjection(id, whole.passes, target).passes)
      xy.push([x.cost.flops.total / x.cost.bytes.total, x.cost.flops.total / x.seconds]);
  if (here) for (const h of whole.here) if (h.wallMs > 0) xy.push([h.flops / h.bytes, h.flops / (h.wallMs / 1000)]);
  const ok = xy.filter(([x, y]) => x > 0 && y > 0);
  const corner = (f: (...v: number[]) => number): ChartPoint => ({
    x: f(...ok.map((v) => v[0])),
    y: f(...ok.map((v) => v[1])),
    lane: 0,
    where: 'target',
    latest: false,
  });
  const corners = ok.length ? [corner(Math.min), corner(Math.max)] : [];
  byTarget.set(target, { here, corners });
  return corners;
}

function style(kind: ChartKind, color: boolean, info: RunInfo) {
  if (kind === 'axis' || kind === 'label') return { dimColor: true };
  if (kind === 'roof-target') return { bold: true };
  if (kind === 'roof-local') return { color: color ? 'gray' : undefined, dimColor: !color };
  if (kind === 'ridge') return { color: color ? RIDGE_COLOR : undefined };
  const m = /^lane(\d+)(-latest)?$/.exec(kind);
  if (m) {
    const lane = info.lanes[Number(m[1])];
    return {
      color: color && lane ? laneColor(lane.color) : undefined,
      bold: Boolean(m[2]),
      inverse: Boolean(m[2]) && !color,
    };
  }
  return {};
}

export function Chart(p: ChartProps) {
  const { points, extent, roofs } = chartData(p);
  // the dotted line at the ridge the bounds are judged against (at the efficiencies), where the projected points'
  // slope meets their ceiling; the drawn roof (datasheet) bends a little right of it
  const ridge = p.target ? 1 / targetAttainedRidge(p.target) : null;
  // title row, the plot, the x-axis label row
  const rows = rooflineChart({
    width: p.width,
    height: Math.max(3, p.height - 1),
    roofs,
    points,
    extent,
    ridgeX: ridge,
    ascii: p.ascii,
  });
  const r = ridge ? ` · ridge ${formatFlopPerByte(ridge)} FLOP/B at η = ${formatBytesPerFlop(1 / ridge)} B/F` : '';
  const title = fitFirst(
    [
      `Roofline · FLOP/s ↑ against FLOP per byte → (log-log)${r}`,
      `Roofline (log-log): FLOP/s ↑, FLOP/B →${r}`,
      'Roofline (log-log): FLOP/s ↑, FLOP/B →',
      'Roofline',
    ],
    p.width,
  );
  return (
    <Box flexDirection="column" width={p.width}>
      <Text wrap="truncate" bold>
        {title}
      </Text>
      {/* one Text node for the whole plot: Ink measures and styles it once, not row by row */}
      <Text>
        {rows.map((runs, i) =>
          runs.map((r, j) => (
            <Text key={`${i}.${j}`} {...style(r.kind, p.color, p.info)}>
              {r.text + (j === runs.length - 1 && i < rows.length - 1 ? '\n' : '')}
            </Text>
          )),
        )}
      </Text>
    </Box>
  );
}

export function Legend({
  info,
  target,
  ascii,
  showWallMs,
  color,
  width,
  rows = 1,
}: {
  info: RunInfo;
  target: ProjectionTarget | null;
  ascii: boolean;
  showWallMs: boolean;
  color: boolean;
  width: number;
  rows?: number;
}) {
  const set = ascii ? ASCII_MARKERS : MARKERS;
  // --ascii draws letters: capitals on the target, small letters here (no filled or hollow shapes)
  const [on, off] = ascii ? ['capitals', 'small'] : ['filled', 'hollow'];
  const where = fitFirst(
    [
      [target ? `${on}: on ${target.roofline.name}` : '', showWallMs ? `${off}: measured here` : '']
        .filter(Boolean)
        .join(' · '),
      [target ? `${on}: ${target.roofline.name}` : '', showWallMs ? `${off}: here` : ''].filter(Boolean).join(' · '),
    ],
    width,
  );
  const marks = info.lanes
    .map(
      (l) =>
        `${set.target[laneMark(l.id) % set.target.length]}${showWallMs ? set.local[laneMark(l.id) % set.local.length] : ''} ${l.label}`,
    )
    .join('  ');
  const sameRow = rows < 2;
  return (
    <>
      <Text wrap="truncate">
        {info.lanes.map((l) => (
          <Text key={l.id} color={color ? laneColor(l.color) : undefined}>
            {`${set.target[laneMark(l.id) % set.target.length]}${showWallMs ? set.local[laneMark(l.id) % set.local.length] : ''} ${l.label}  `}
          </Text>
        ))}
        {sameRow && [...marks].length + 2 + [...where].length <= width ? <Text dimColor>{where}</Text> : null}
      </Text>
      {sameRow ? null : (
        <Text wrap="truncate" dimColor>
          {where}
        </Text>
      )}
    </>
  );
}
