// The whole frame as a pure function of one store snapshot: header, two lanes, footer, key hints.
// Shared by the live view (App) and the asciicast writer (rendered to a string).
import { Box, Text } from 'ink';
import type { LaneId } from '../../engine/decode/events.js';
import type { RunInfo } from '../../engine/run.js';
import { formatBytes, formatBytesPerFlop, formatFlops, formatMs } from '../format.js';
import { modelLine, promptLine, tokensPerPass } from '../lines.js';
import { ridgeBytesPerFlop, type HardwareView, type ProjectionView } from '../projection.js';
import { LANES, type Snapshot } from '../store.js';
import { HelpText } from './Help.js';
import { Lane } from './Lane.js';
import { layout, type Layout } from './layout.js';
import { LANE_COLOR } from './style.js';

export interface ScreenProps {
  snap: Snapshot;
  info: RunInfo;
  cols: number;
  rows: number;
  color: boolean;
  /** false in recordings: measured milliseconds differ run to run */
  showWallMs: boolean;
  hardware: readonly HardwareView[];
  projection: ProjectionView | null;
}

export const KEY_HINTS = 'space pause · → step · +/- speed · r restart · g guesses · h hardware · ? help · q quit';

function Header({ p, hw, l }: { p: ScreenProps; hw: HardwareView; l: Layout }) {
  const s = p.snap;
  const state = s.finished ? 'done' : s.paused ? '⏸ paused' : '▶ running';
  const pace = s.pace === 'step' ? `${Math.round(s.delayMs / s.speed)} ms/step` : `time ×${s.speed}`;
  const projection = `projection: ${p.projection ? p.projection.label : '—'}`;
  const ridge = `ridge ${hw.name} ${formatBytesPerFlop(ridgeBytesPerFlop(hw))} B/F`;
  return (
    <>
      <Text wrap="truncate">
        <Text bold>dlm-watch </Text>
        <Text color={p.color ? 'cyan' : undefined}>{promptLine(p.info)}</Text>
        {l.headerRows === 1 ? <Text dimColor>{` · ${state} · ${projection}`}</Text> : <Text dimColor>{` · ${modelLine(p.info)}`}</Text>}
      </Text>
      {l.headerRows === 2 ? (
        <Text wrap="truncate" dimColor>
          {`${projection} · ${ridge} · pace ${pace} · ${state}`}
        </Text>
      ) : null}
    </>
  );
}

const pad = (s: string, n: number) => s.padStart(n);

function Footer({ p }: { p: ScreenProps }) {
  const head = `${'lane'.padEnd(12)}${pad('passes', 7)}${pad('tok/pass', 9)}${pad('bytes', 11)}${pad('FLOPs', 12)}${pad('B/F', 9)}${pad(p.showWallMs ? 'time here' : 'time', 11)}`;
  const row = (id: LaneId) => {
    const t = p.snap.lanes[id].totals;
    const ms = p.showWallMs ? formatMs(t.wallMs) : '(hidden)';
    return `${pad(String(t.passes), 7)}${pad(tokensPerPass(t).toFixed(2), 9)}${pad(formatBytes(t.bytes), 11)}${pad(formatFlops(t.flops), 12)}${pad(t.passes ? formatBytesPerFlop(t.bytesPerFlop) : '—', 9)}${pad(ms, 11)}`;
  };
  return (
    <>
      <Text wrap="truncate" dimColor>
        {head}
      </Text>
      {LANES.map((id) => (
        <Text key={id} wrap="truncate">
          <Text color={p.color ? LANE_COLOR[id] : undefined}>{(id === 'ar' ? 'AR' : 'diffusion').padEnd(12)}</Text>
          <Text>{row(id)}</Text>
        </Text>
      ))}
    </>
  );
}

export function Screen(p: ScreenProps) {
  const l = layout(p.cols, p.rows);
  if (l.tooSmall) return <Text wrap="truncate">{`dlm-watch needs at least 40×12 (this terminal: ${p.cols}×${p.rows})`}</Text>;
  const hw = p.hardware[p.snap.hardwareIndex % p.hardware.length]!;
  const ridge = ridgeBytesPerFlop(hw);
  const lane = (id: LaneId, i: 0 | 1) => (
    <Lane
      key={id}
      id={id}
      lane={p.snap.lanes[id]}
      info={p.info}
      width={l.laneWidth[i]}
      textRows={l.textRows[i]}
      color={p.color}
      guesses={p.snap.guesses}
      showWallMs={p.showWallMs}
      ridge={ridge}
      sparkRow={l.sparkRow}
      sparkInline={l.sparkInline}
    />
  );
  const lanesHeight = l.stacked ? l.textRows[0] + l.textRows[1] + 2 * (5 + (l.sparkRow ? 1 : 0)) : l.textRows[0] + 5 + (l.sparkRow ? 1 : 0);
  return (
    <Box flexDirection="column" width={l.cols}>
      <Header p={p} hw={hw} l={l} />
      {p.snap.help ? (
        <HelpText rows={lanesHeight} width={l.cols} pace={p.snap.pace} />
      ) : (
        <Box flexDirection={l.stacked ? 'column' : 'row'} columnGap={l.stacked ? 0 : 1}>
          {lane('ar', 0)}
          {lane('diffusion', 1)}
        </Box>
      )}
      {l.footer ? <Footer p={p} /> : null}
      {l.hints ? (
        <Text wrap="truncate" dimColor={!p.snap.message} color={p.snap.message && p.color ? 'yellow' : undefined}>
          {p.snap.message ?? KEY_HINTS}
        </Text>
      ) : null}
    </Box>
  );
}
