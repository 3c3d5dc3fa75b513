// One lane: title, the text (wrapped, newest rows kept), the pass's figures, running totals, the B/F gauge.
import { Box, Text } from 'ink';
import type { LaneId, Position } from '../../engine/decode/events.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytesPerFlop } from '../format.js';
import { gaugeTrack, SCALE_LABELS, sparkline } from '../gauge.js';
import { laneTitle, loadLine, passLine, totalsLine } from '../lines.js';
import { boundBy } from '../projection.js';
import type { LaneState } from '../store.js';
import { laneAtoms, mergeLine, tailLines, wrapAtoms, type Line } from '../text.js';
import { atomStyle, LANE_COLOR } from './style.js';

export interface LaneProps {
  id: LaneId;
  lane: LaneState;
  info: RunInfo;
  width: number;
  textRows: number;
  color: boolean;
  guesses: boolean;
  showWallMs: boolean;
  ridge: number;
  sparkRow: boolean;
  sparkInline: boolean;
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

export function GaugeRow({ bpf, ridge, width, color, spark }: { bpf: number | null; ridge: number; width: number; color: boolean; spark: readonly number[] | null }) {
  const bound = bpf === null ? '' : boundBy(bpf, ridge);
  const label = ` ${SCALE_LABELS.right} ${bound.padEnd(13)}`;
  const left = `${SCALE_LABELS.left} `;
  const fixed = left.length + label.length;
  const track = spark ? Math.min(32, Math.max(10, width - fixed - 12)) : Math.max(10, width - fixed);
  const g = gaugeTrack(bpf, ridge, track);
  const sparkText = spark ? ' ' + sparkline(spark, width - fixed - track - 1) : '';
  const boundColor = bound === 'memory-bound' ? 'yellow' : 'green';
  return (
    <Text wrap="truncate">
      <Text dimColor>{left}</Text>
      <Text>{g.before}</Text>
      <Text bold color={color ? boundColor : undefined}>
        {g.needle}
      </Text>
      <Text>{g.after}</Text>
      <Text dimColor>{` ${SCALE_LABELS.right} `}</Text>
      <Text color={color ? boundColor : undefined}>{bound.padEnd(13)}</Text>
      <Text color={color ? 'cyan' : undefined}>{sparkText}</Text>
    </Text>
  );
}

export function Lane(p: LaneProps) {
  const { lane, width, color } = p;
  const positions = lane.event?.positions ?? promptOnly(p.info);
  const atoms = laneAtoms(positions, lane.event?.committed ?? [], { guesses: p.guesses, color });
  const { lines, hidden } = tailLines(wrapAtoms(atoms, width), p.textRows);
  const status = lane.error ? 'error' : lane.done ? 'done ✓' : '';
  const right = [hidden ? `↑${hidden} rows` : '', status].filter(Boolean).join(' · ');
  const title = fit(laneTitle(p.id, p.info), Math.max(1, width - 2 - (right ? right.length + 1 : 0)));
  const gap = Math.max(1, width - 1 - [...title].length - right.length);
  const bpf = lane.totals.passes ? lane.totals.bytesPerFlop : null;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text color={color ? LANE_COLOR[p.id] : undefined} bold>
          {'▌' + title}
        </Text>
        <Text>{' '.repeat(gap)}</Text>
        <Text color={color && lane.error ? 'red' : color && lane.done ? 'green' : undefined} dimColor={!lane.error && !lane.done}>
          {right}
        </Text>
      </Text>
      <TextRows lines={lines} rows={p.textRows} color={color} />
      <Text wrap="truncate" color={lane.error && color ? 'red' : undefined}>
        {lane.error ? `error: ${lane.error}` : passLine(lane.event, p.showWallMs)}
      </Text>
      <Text wrap="truncate">{loadLine(lane.event, width) || ' '}</Text>
      <Text wrap="truncate">{totalsLine(lane.totals, p.showWallMs, width)}</Text>
      <GaugeRow bpf={bpf} ridge={p.ridge} width={width} color={color} spark={p.sparkInline ? lane.bpfHistory : null} />
      {p.sparkRow ? (
        <Text wrap="truncate">
          <Text dimColor>B/F per pass </Text>
          <Text color={color ? 'cyan' : undefined}>{sparkline(lane.bpfHistory, width - 13 - 8)}</Text>
          <Text dimColor>{lane.event ? ` ${formatBytesPerFlop(lane.event.cost.bytesPerFlop)}` : ''}</Text>
        </Text>
      ) : null}
    </Box>
  );
}
