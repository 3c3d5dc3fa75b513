// The whole frame as a pure function of one store snapshot: header, one column or row per lane, footer, key hints.
// Shared by the live view (App) and the asciicast writer (rendered to a string).
import { Box, Text } from 'ink';
import type { LaneId } from '../../engine/decode/events.js';
import type { ProjectionTarget } from '../../engine/project.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlops, formatMs } from '../format.js';
import { modelLine, promptLine, tokensPerPass } from '../lines.js';
import { efficiencyLabel, laneProjection, shownTarget, targetLabel, targetRidge } from '../projection.js';
import type { Snapshot } from '../store.js';
import { HelpText } from './Help.js';
import { Lane } from './Lane.js';
import { layout, laneFixed, type Layout } from './layout.js';

export interface ScreenProps {
  snap: Snapshot;
  info: RunInfo;
  cols: number;
  rows: number;
  color: boolean;
  /** false in recordings: measured milliseconds differ run to run */
  showWallMs: boolean;
  /** projection targets `h` cycles through (empty: no projection) */
  targets: readonly ProjectionTarget[];
}

export const KEY_HINTS = 'space pause · → step · +/- speed · r restart · g guesses · h hardware · b batch · ? help · q quit';

export function currentTarget(p: Pick<ScreenProps, 'targets' | 'snap'>): ProjectionTarget | null {
  return shownTarget(p.targets, p.snap.hardwareIndex, p.snap.batchIndex);
}

function Header({ p, target, l }: { p: ScreenProps; target: ProjectionTarget | null; l: Layout }) {
  const s = p.snap;
  const state = s.finished ? '✓ done' : s.paused ? '⏸ paused' : '▶ running';
  const pace = s.pace === 'step' ? `${Math.round(s.delayMs / s.speed)} ms/step` : `time ×${s.speed}`;
  const projection = target
    ? `projection: ${targetLabel(target)} (${efficiencyLabel(target)}) · ridge ${formatBytesPerFlop(targetRidge(target))} B/F`
    : 'projection: —';
  const rest = l.headerRows === 1 ? ` · ${state} · ${projection}` : ` · ${modelLine(p.info)}`;
  // on one row the prompt gives way first: the projection names what every proj figure means
  const prompt = promptLine(p.info);
  const room = Math.max(12, p.cols - 'dlm-watch '.length - rest.length);
  const shown = [...prompt].length > room ? [...prompt].slice(0, room - 1).join('') + '…' : prompt;
  return (
    <>
      <Text wrap="truncate">
        <Text bold>dlm-watch </Text>
        <Text color={p.color ? 'cyan' : undefined}>{shown}</Text>
        <Text dimColor>{rest}</Text>
      </Text>
      {l.headerRows === 2 ? (
        <Text wrap="truncate" dimColor>
          {`${state} · pace ${pace} · ${projection}`}
        </Text>
      ) : null}
    </>
  );
}

interface Column {
  head: string;
  width: number;
  cell: (id: LaneId) => string;
}

function Footer({ p, target }: { p: ScreenProps; target: ProjectionTarget | null }) {
  const lanes = p.snap.lanes;
  const proj = (id: LaneId) => (target && lanes[id]!.passes.length ? laneProjection(id, lanes[id]!.passes, target) : null);
  const cols: Column[] = [
    { head: 'passes', width: 7, cell: (id) => String(lanes[id].totals.passes) },
    { head: 'bytes', width: 10, cell: (id) => formatBytes(lanes[id].totals.bytes) },
    { head: 'FLOPs', width: 12, cell: (id) => formatFlops(lanes[id].totals.flops) },
    { head: 'B/F', width: 8, cell: (id) => (lanes[id].totals.passes ? formatBytesPerFlop(lanes[id].totals.bytesPerFlop) : '—') },
    { head: p.showWallMs ? 'here' : 'here (hidden)', width: p.showWallMs ? 10 : 14, cell: (id) => (p.showWallMs ? formatMs(lanes[id].totals.wallMs) : '·') },
  ];
  if (target) cols.push({ head: `on ${target.roofline.name}`, width: 14, cell: (id) => { const x = proj(id); return x ? formatMs(x.total.seconds * 1000) : '—'; } });
  cols.splice(1, 0, { head: 'tok/pass', width: 9, cell: (id) => tokensPerPass(lanes[id].totals).toFixed(2) });
  // keep the columns that fit, in order of importance: drop tok/pass first
  let shown = cols;
  const widthOf = (cs: Column[]) => 10 + cs.reduce((s, c) => s + c.width, 0);
  if (widthOf(shown) > p.cols) shown = cols.filter((c) => c.head !== 'tok/pass');
  const pad = (s: string, n: number) => s.padStart(n);
  return (
    <>
      <Text wrap="truncate" dimColor>
        {'lane'.padEnd(10) + shown.map((c) => pad(c.head, c.width)).join('')}
      </Text>
      {p.info.lanes.map((lane) => (
        <Text key={lane.id} wrap="truncate">
          <Text color={p.color ? lane.color : undefined}>{lane.label.slice(0, 9).padEnd(10)}</Text>
          <Text>{shown.map((c) => pad(c.cell(lane.id), c.width)).join('')}</Text>
        </Text>
      ))}
    </>
  );
}

export function Screen(p: ScreenProps) {
  const target = currentTarget(p);
  const l = layout(p.cols, p.rows, { projection: target !== null, lanes: p.info.lanes.length });
  if (l.tooSmall) return <Text wrap="truncate">{`dlm-watch needs at least 40×12 (this terminal: ${p.cols}×${p.rows})`}</Text>;
  const lane = (id: LaneId, i: number) => (
    <Lane
      key={id}
      id={id}
      lane={p.snap.lanes[id]!}
      info={p.info}
      width={l.laneWidth[i]}
      textRows={l.textRows[i]}
      layout={l}
      color={p.color}
      guesses={p.snap.guesses}
      showWallMs={p.showWallMs}
      target={target}
    />
  );
  const lanesHeight = l.stacked ? l.textRows.reduce((a, b) => a + b + laneFixed(l), 0) : l.textRows[0]! + laneFixed(l);
  return (
    <Box flexDirection="column" width={l.cols}>
      <Header p={p} target={target} l={l} />
      {p.snap.help ? (
        <HelpText rows={lanesHeight} width={l.cols} pace={p.snap.pace} />
      ) : (
        <Box flexDirection={l.stacked ? 'column' : 'row'} columnGap={l.stacked ? 0 : 1}>
          {p.info.lanes.map((x, i) => lane(x.id, i))}
        </Box>
      )}
      {l.footer ? <Footer p={p} target={target} /> : null}
      {l.hints ? (
        <Text wrap="truncate" dimColor={!p.snap.message} color={p.snap.message && p.color ? 'yellow' : undefined}>
          {p.snap.message ?? KEY_HINTS}
        </Text>
      ) : null}
    </Box>
  );
}
