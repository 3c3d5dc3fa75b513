// One lane: title; this pass here and projected, running totals, the gauge (fixed rows, so both lanes' figures line
// up and stay put); then the text, wrapped, newest rows kept.
import { Box, Text } from 'ink';
import type { LaneId, Position } from '../../engine/decode/events.js';
import type { ProjectionTarget } from '../../engine/project.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytesPerFlop } from '../format.js';
import { gaugeCells, SCALE_LABELS, sparkline, type GaugeCell } from '../gauge.js';
import { hereLine, laneOf, passLine, projLine, totalsLine } from '../lines.js';
import { laneProjection, targetAttainedRidge, targetBound, type LaneProjection } from '../projection.js';
import type { LaneState } from '../store.js';
import { laneAtoms, mergeLine, tailLines, wrapAtoms, type Line } from '../text.js';
import type { Layout } from './layout.js';
import { atomStyle } from './style.js';

export interface LaneProps {
  id: LaneId;
  lane: LaneState;
  info: RunInfo;
  width: number;
  textRows: number;
  layout: Pick<Layout, 'sparkRow' | 'sparkInline' | 'totalsRow' | 'projRow'>;
  color: boolean;
  guesses: boolean;
  showWallMs: boolean;
  /** the projection target (null: none) */
  target: ProjectionTarget | null;
}

/** the prompt alone, before the first pass arrives */
function promptOnly(info: RunInfo): Position[] {
  return [{ state: 'prompt', token: null, text: info.config.prompt, step: null, confidence: null, guess: null, guessText: null }];
}

function fit(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

export function TextRows({ lines, rows, color }: { lines: Line[]; rows: number; color: boolean }) {
  const out = [];
  for (let i = 0; i < rows; i++) {
    const line = lines[i];
    out.push(
      <Text key={i} wrap="truncate">
        {line && line.length
          ? mergeLine(line).map((a, j) => (
              <Text key={j} {...atomStyle(a, color)}>
                {a.text}
              </Text>
            ))
          : ' '}
      </Text>,
    );
  }
  return <>{out}</>;
}

const BOUND_COLOR = { memory: 'yellow', compute: 'green' } as const;

function cellStyle(kind: GaugeCell['kind'], color: boolean, boundColor: string) {
  if (kind === 'needle') return { bold: true, color: color ? boundColor : undefined };
  if (kind === 'ridge') return { bold: true, color: color ? 'magenta' : undefined };
  if (kind === 'local') return { dimColor: true };
  return {};
}

/** 1e-4 ├──┼──○──●──┤ 10 memory-bound ▁▂▃ — needle: projected overall B/F (local when no projection); ┼ and the
 * word both come from the target (the ridge at its efficiencies, engine boundOf), so they never disagree */
export function GaugeRow({ needle, local, target, width, color, spark }: { needle: number | null; local: number | null; target: ProjectionTarget | null; width: number; color: boolean; spark: readonly number[] | null }) {
  const ridge = target ? targetAttainedRidge(target) : null;
  const bound = needle === null || !target ? null : targetBound(needle, target);
  const left = `${SCALE_LABELS.left} `;
  const right = ` ${SCALE_LABELS.right} `;
  const fixed = left.length + right.length + 13;
  const track = spark ? Math.min(32, Math.max(10, width - fixed - 12)) : Math.max(10, width - fixed);
  const cells = gaugeCells(needle, local, ridge, track);
  const boundColor = bound ? BOUND_COLOR[bound] : 'white';
  const boundText = bound ? `${bound}-bound` : '';
  // runs of same-kind cells, so a track draws with few nodes
  const runs: { text: string; kind: GaugeCell['kind'] }[] = [];
  for (const c of cells) {
    const last = runs[runs.length - 1];
    if (last && last.kind === c.kind && c.kind === 'track') last.text += c.ch;
    else runs.push({ text: c.ch, kind: c.kind });
  }
  const sparkText = spark ? ' ' + sparkline(spark, width - fixed - track - 1) : '';
  return (
    <Text wrap="truncate">
      <Text dimColor>{left}</Text>
      {runs.map((r, i) => (
        <Text key={i} {...cellStyle(r.kind, color, boundColor)}>
          {r.text}
        </Text>
      ))}
      <Text dimColor>{right}</Text>
      <Text color={color && bound ? boundColor : undefined}>{boundText.padEnd(13)}</Text>
      <Text color={color ? 'cyan' : undefined}>{sparkText}</Text>
    </Text>
  );
}

export function Lane(p: LaneProps) {
  const { lane, width, color, layout: l } = p;
  const positions = lane.event?.positions ?? promptOnly(p.info);
  const atoms = laneAtoms(positions, lane.event?.committed ?? [], { guesses: p.guesses, color });
  const { lines, hidden } = tailLines(wrapAtoms(atoms, width), p.textRows);
  const info = laneOf(p.info, p.id);
  const proj: LaneProjection | null = p.target && lane.passes.length ? laneProjection(p.id, lane.passes, p.target) : null;
  const status = lane.error ? 'error' : lane.done ? 'done ✓' : '';
  const right = [hidden ? `↑${hidden}` : '', status].filter(Boolean).join(' · ');
  const title = fit(info.title, Math.max(1, width - 2 - (right ? right.length + 1 : 0)));
  const gap = Math.max(1, width - 1 - [...title].length - [...right].length);
  const local = lane.totals.passes ? lane.totals.bytesPerFlop : null;
  const needle = p.target ? (proj ? proj.bytesPerFlop : null) : local;
  const spark = p.target ? (proj?.bpf ?? []) : lane.bpfHistory;
  const lastBpf = p.target ? proj?.last?.cost.bytesPerFlop : lane.event?.cost.bytesPerFlop;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text color={color ? info.color : undefined} bold>
          {'▌' + title}
        </Text>
        <Text>{' '.repeat(gap)}</Text>
        <Text color={color && lane.error ? 'red' : color && lane.done ? 'green' : undefined} dimColor={!lane.error && !lane.done}>
          {right}
        </Text>
      </Text>
      <Text wrap="truncate" color={lane.error && color ? 'red' : undefined}>
        {lane.error ? `error: ${lane.error}` : passLine(lane.event)}
      </Text>
      <Text wrap="truncate">{hereLine(lane.event, p.showWallMs, width)}</Text>
      {l.projRow ? <Text wrap="truncate">{projLine(proj, width)}</Text> : null}
      {l.totalsRow ? <Text wrap="truncate">{totalsLine(lane.totals, proj, p.showWallMs, width)}</Text> : null}
      <GaugeRow needle={needle} local={p.target ? local : null} target={p.target} width={width} color={color} spark={l.sparkInline ? spark : null} />
      {l.sparkRow ? (
        <Text wrap="truncate">
          <Text dimColor>B/F per pass </Text>
          <Text color={color ? 'cyan' : undefined}>{sparkline(spark, width - 13 - 8)}</Text>
          <Text dimColor>{lastBpf !== undefined ? ` ${formatBytesPerFlop(lastBpf)}` : ''}</Text>
        </Text>
      ) : null}
      <TextRows lines={lines} rows={p.textRows} color={color} />
    </Box>
  );
}
