// The whole frame as a pure function of one store snapshot: header, verdict, one column or row per lane, the band
// (roofline | totals, ridge, legend, per-pass bars), key hints. Shared by the live view (App) and the asciicast
// writer (rendered to a string; there the hints row names the recording instead: no keys to press in a player).
import { Box, Text } from 'ink';
import type { LaneId } from '../../engine/decode/events.js';
import type { ProjectionTarget } from '../../engine/price/project.js';
import { cyclingLane } from '../../engine/lanes.js';
import type { RunInfo } from '../../engine/run.js';
import { verdict, type Verdict } from '../../engine/price/verdict.js';
import { formatMs, formatSeconds } from '../format.js';
import { RACE_SCREEN_MS } from '../pacing.js';
import { fitFirst, modelLine, promptLine } from '../lines.js';
import {
  efficiencyLabel,
  fitNote,
  laneProjection,
  laneRidgeNotes,
  shownTarget,
  targetLabel,
  ridgeLabel,
} from '../projection.js';
import type { Snapshot } from '../store.js';
import { verdictTexts } from '../verdict-text.js';
import { headline } from '../../engine/price/headline.js';
import { headlineText, loopNote } from '../headline-text.js';
import { Chart, type LocalRoof } from './Chart.js';
import { HelpText } from './Help.js';
import { Lane, laneLines, wrapText } from './Lane.js';
import { layout, laneFixed, MIN_COLS, MIN_ROWS, shareRows, type Layout } from './layout.js';
import { Panel } from './Panel.js';
import { BOUND_COLOR } from './style.js';
import { MESSAGE_COLOR, PROMPT_COLOR } from '../palette.js';

export interface ScreenProps {
  snap: Snapshot;
  info: RunInfo;
  cols: number;
  rows: number;
  color: boolean;
  /** false in recordings: measured milliseconds differ run to run (and there are no keys to hint at) */
  showWallMs: boolean;
  /** projection targets `h` cycles through (empty: no projection) */
  targets: readonly ProjectionTarget[];
  /** --explain: a caption per pass */
  explain?: boolean;
  /** --ascii: the roofline without braille */
  ascii?: boolean;
  /** the pace as measured (live view: screen ms per step really taken); default: the set pace */
  paceLabel?: string;
  /** this machine's roof from a calibrate profile */
  localRoof?: LocalRoof | null;
}

export const KEY_HINTS =
  'q quit · space pause · n step · s passes · +/- speed · r restart · g guesses · h hardware · b batch · ? help';
/** the hints for narrower screens, q first always */
const KEY_HINTS_SHORT = [
  'q quit · space pause · n step · s passes · +/- speed · r restart · g h b · ? help',
  'q quit · space pause · n step · s passes · ? help',
  'q quit · ? help',
];

export function currentTarget(p: Pick<ScreenProps, 'targets' | 'snap'>): ProjectionTarget | null {
  return shownTarget(p.targets, p.snap.hardwareIndex, p.snap.batchIndex);
}

/** the set pace: "30 ms/pass" (a pass-count race) or "speed ×1" (the timed race; a bare "×1" after a GPU's name
 *  reads as a GPU count) */
export function setPace(s: Snapshot): string {
  return s.pace === 'step' ? `${Math.round(s.delayMs / s.speed)} ms/pass` : `speed ×${s.speed}`;
}

/** What the race is, in words: "timed race on H200 SXM" (lanes advance by their projected time there: the first
 *  to finish is the fastest there), "pass-count race, not time" (every lane one pass per tick), or "timed race on
 *  this machine" (measured ms, --no-projection). */
export function raceWords(s: Snapshot, target: ProjectionTarget | null): string {
  if (s.pace === 'step') return 'pass-count race, not time';
  return `timed race on ${target ? target.roofline.name : 'this machine'}`;
}

/** The race's scale: "20.0 s on screen = 4.94 s there" once priced (time pace), else "" ("here" means measured on
 *  this machine everywhere else) */
export function raceScale(s: Snapshot): string {
  if (s.pace !== 'time' || s.slowestMs === null) return '';
  return `${formatSeconds(RACE_SCREEN_MS / 1000 / s.speed)} on screen = ${formatMs(s.slowestMs)} there`;
}

function Header({ p, target, l }: { p: ScreenProps; target: ProjectionTarget | null; l: Layout }) {
  const s = p.snap;
  // '‖' for pause: '⏸' is missing from common terminal fonts
  let state =
    s.decodingAhead !== null
      ? `⋯ decoding every pass first (${s.decodingAhead})`
      : s.finished
        ? '✓ done'
        : s.paused
          ? '‖ paused'
          : '▶ running';
  // drawn before the models are open (the plan's info): nothing runs yet
  if (p.info.backend === null) state = '⋯ loading the models';
  const pace = p.paceLabel ?? setPace(s);
  // a target that cannot hold the weights and KV cache says so first (the h key offers such hardware too)
  const fit = target ? fitNote(target, p.info.promptTokens + p.info.config.length) : '';
  const projection = target
    ? `projection: ${targetLabel(target)}${fit ? ` · ${fit}` : ''} (${efficiencyLabel(target)}) · ${ridgeLabel(target)}`
    : 'projection: —';
  const scale = raceScale(s);
  const rest =
    l.headerRows === 1
      ? ` · ${state} · ${raceWords(s, target)}${fit ? ` · ${fitNote(target!, p.info.promptTokens + p.info.config.length, true)}` : ''}`
      : ` · ${state} · ${raceWords(s, target)} ${pace}${scale ? ` (${scale})` : ''}`;
  // the prompt gives way first
  const prompt = promptLine(p.info);
  const room = Math.max(12, p.cols - 'dlm-watch '.length - [...rest].length);
  const shown = [...prompt].length > room ? [...prompt].slice(0, room - 1).join('') + '…' : prompt;
  return (
    <>
      <Text wrap="truncate">
        <Text bold>dlm-watch </Text>
        <Text color={p.color ? PROMPT_COLOR : undefined}>{shown}</Text>
        <Text dimColor>{rest}</Text>
      </Text>
      {l.headerRows === 2 ? (
        <Text wrap="truncate" dimColor>
          {fitFirst(
            [
              `${projection} · ${modelLine(p.info)}`,
              projection,
              target
                ? `projection: ${targetLabel(target)}${fit ? ` · ${fit}` : ''} · ${ridgeLabel(target)}`
                : projection,
            ],
            p.cols,
          )}
        </Text>
      ) : null}
    </>
  );
}

/** the engine's verdict over the lanes as shown (projected on the target) */
export function screenVerdict(snap: Snapshot, info: RunInfo, target: ProjectionTarget): Verdict {
  return verdict(
    info.lanes.map((l) => {
      const s = snap.lanes[l.id]!;
      // a timed race decoded every pass before it started: the verdict is of the whole run from its first frame
      const passes = s.whole?.passes ?? s.passes;
      return {
        id: l.id,
        label: l.label,
        passes: passes.length ? laneProjection(l.id, passes, target).passes : [],
        tokens: s.whole?.tokens ?? s.totals.tokens,
        done: s.whole !== null || s.done,
        passesVary: l.passesVary,
      };
    }),
    info.config.length,
  );
}

function VerdictRows({ rowsText, color }: { rowsText: string[]; color: boolean }) {
  return (
    <>
      {rowsText.map((r, i) => (
        <Text key={i} wrap="truncate" bold>
          {r.split(/(memory-bound|compute-bound)/).map((part, j) =>
            part === 'memory-bound' || part === 'compute-bound' ? (
              <Text key={j} color={color ? BOUND_COLOR[part === 'memory-bound' ? 'memory' : 'compute'] : undefined}>
                {part}
              </Text>
            ) : (
              <Text key={j}>{part}</Text>
            ),
          )}
        </Text>
      ))}
    </>
  );
}

/** the verdict's words in at most `rows` rows: the longest variant that fits */
function verdictRowsText(texts: string[], width: number, rows: number): string[] {
  for (const t of texts) {
    const r = wrapText(t, width, 99);
    if (r.length <= rows) return r;
  }
  return wrapText(texts[texts.length - 1]!, width, rows);
}

/** The note a terminal too small to draw in gets, word-wrapped to its width (the whole of it where it fits at all) */
export function tooSmallRows(cols: number, rows: number): string[] {
  const note = `dlm-watch needs at least ${MIN_COLS}×${MIN_ROWS} (this terminal: ${cols}×${rows}) · q quits`;
  return wrapText(note, Math.max(1, cols), Math.max(1, rows - 1));
}

export function Screen(p: ScreenProps) {
  const target = currentTarget(p);
  const planned = Object.fromEntries(p.info.lanes.map((l) => [l.id, p.snap.lanes[l.id]?.event?.plannedSteps ?? null]));
  // the headline (the winner and its factors) first in every variant, so the narrowest screen still names the winner
  const v = target ? screenVerdict(p.snap, p.info, target) : null;
  const h = v ? headline(v) : null;
  const head = h ? headlineText(h, (id) => p.info.lanes.find((x) => x.id === id)?.label ?? id) : '';
  // beside the winner's name where the rows allow: a target that cannot hold the model (the ranking is of a setup
  // that cannot run), and a winner whose text loops
  const fits = target ? fitNote(target, p.info.promptTokens + p.info.config.length, true) : '';
  const loops = [
    fits ? `⚠ ${fits}: a race it cannot run` : '',
    h ? loopNote(h.winner, Object.fromEntries(p.info.lanes.map((l) => [l.id, p.snap.lanes[l.id]?.quality?.word]))) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  // why the bound is what it is, where a change of hardware (the h key) or passes would flip it
  const notes = target ? laneRidgeNotes(p.info.lanes, (id) => p.snap.lanes[id]?.event, target) : [];
  const variants = target && v ? verdictTexts(v, p.info.lanes, target, planned) : [];
  let texts =
    target && p.snap.decodingAhead !== null
      ? [
          `pricing the race on ${target.roofline.name}: every lane is decoded first, each pass priced there (${p.snap.decodingAhead} passes so far)`,
          `pricing the race on ${target.roofline.name}: decoding every lane first (${p.snap.decodingAhead} passes)`,
        ]
      : target && v && h
        ? [head + (loops ? ` · ${loops}` : ''), head].flatMap((hd, i) =>
            i === 1 && !loops
              ? []
              : [
                  ...(notes.length ? [`${hd} — ${variants[0]} · ${notes.join(' · ')}`] : []),
                  ...variants.map((t) => `${hd} — ${t}`),
                  hd,
                ],
          )
        : target && v
          ? // no pass shown yet (priced, paused before the race): the verdict's "waiting for the first pass…" alone
            variants
          : [];
  if (target && p.info.backend === null)
    texts = [
      `loading the models: then every lane is decoded first, each pass priced on ${target.roofline.name}`,
      'loading the models',
    ];
  const want = target ? Math.min(3, Math.max(1, wrapText(texts[0]!, p.cols, 99).length)) : 0;
  const l = layout(p.cols, p.rows, {
    projection: target !== null,
    lanes: p.info.lanes.length,
    explain: p.explain,
    verdictRows: want,
  });
  // stacked, the lanes share their text rows by what each text needs: the lane still changing (a diffusion canvas
  // filling in) gets the rows it needs before one that finished
  if (l.stacked && !l.tooSmall) {
    const ids = p.info.lanes.map((x) => x.id);
    const need = ids.map(
      (id, i) =>
        laneLines({
          lane: p.snap.lanes[id]!,
          info: p.info,
          width: l.laneWidth[i]!,
          guesses: p.snap.guesses,
          color: p.color,
        }).length,
    );
    const running = ids.map((id) => !p.snap.lanes[id]!.done && p.snap.lanes[id]!.event !== null);
    l.textRows = shareRows(
      l.textRows.reduce((a, b) => a + b, 0),
      need,
      running,
    );
  }
  if (l.tooSmall)
    return (
      <Box flexDirection="column">
        {tooSmallRows(p.cols, p.rows).map((r, i) => (
          <Text key={i} wrap="truncate">
            {r}
          </Text>
        ))}
      </Box>
    );
  const lane = (id: LaneId, i: number) => (
    <Lane
      key={id}
      id={id}
      lane={p.snap.lanes[id]!}
      info={p.info}
      width={l.laneWidth[i]!}
      textRows={l.textRows[i]!}
      figures={l.figures}
      compact={l.stacked}
      color={p.color}
      guesses={p.snap.guesses}
      showWallMs={p.showWallMs}
      target={target}
    />
  );
  const lanesHeight = l.stacked ? l.textRows.reduce((a, b) => a + b + laneFixed(l), 0) : l.textRows[0]! + laneFixed(l);
  const ascii = p.ascii ?? false;
  const hint = p.showWallMs
    ? (p.snap.message ?? fitFirst([KEY_HINTS, ...KEY_HINTS_SHORT], p.cols))
    : fitFirst(
        [' (computing passes takes no screen time)', ''].map((why) =>
          p.snap.pace === 'time'
            ? `recording · ${raceWords(p.snap, target)}${raceScale(p.snap) ? `: ${raceScale(p.snap)}` : ''}${why}`
            : `recording · ${raceWords(p.snap, target)}: ${setPace(p.snap)} of screen time${why}`,
        ),
        p.cols,
      );
  return (
    <Box flexDirection="column" width={l.cols}>
      <Header p={p} target={target} l={l} />
      {l.verdictRows ? <VerdictRows rowsText={verdictRowsText(texts, p.cols, l.verdictRows)} color={p.color} /> : null}
      {p.snap.help ? (
        <HelpText
          rows={lanesHeight}
          width={l.cols}
          pace={p.snap.pace}
          cycle={cyclingLane(p.info.lanes.map((x) => x.id))?.cycle?.help}
        />
      ) : (
        <Box flexDirection={l.stacked ? 'column' : 'row'} columnGap={l.stacked ? 0 : 1}>
          {p.info.lanes.map((x, i) => lane(x.id, i))}
        </Box>
      )}
      {l.band.rows > 0 ? (
        <Box flexDirection="row" columnGap={l.band.chartWidth ? 1 : 0} height={l.band.rows}>
          {l.band.chartWidth ? (
            <Chart
              snap={p.snap}
              info={p.info}
              target={target}
              width={l.band.chartWidth}
              height={l.band.rows}
              color={p.color}
              ascii={ascii}
              showWallMs={p.showWallMs}
              localRoof={p.localRoof ?? null}
            />
          ) : null}
          <Panel
            snap={p.snap}
            info={p.info}
            target={target}
            width={l.band.panelWidth}
            rows={l.band.rows}
            color={p.color}
            ascii={ascii}
            showWallMs={p.showWallMs}
          />
        </Box>
      ) : null}
      {l.hints ? (
        <Text wrap="truncate" dimColor={!p.snap.message} color={p.snap.message && p.color ? MESSAGE_COLOR : undefined}>
          {hint}
        </Text>
      ) : null}
    </Box>
  );
}
