// One lane: title (and, stacked, the pass), the figure rows the layout gives it (fixed rows, so the lanes' figures
// line up and stay put), then the text, wrapped at word boundaries, newest rows kept.
import { Box, Text } from 'ink';
import type { LaneId, Position } from '../../engine/decode/events.js';
import type { ProjectionTarget } from '../../engine/price/project.js';
import type { RunInfo } from '../../engine/run.js';
import { explainPass, explainShort } from '../explain.js';
import { expertsText, hereLine, laneOf, passLine, projLine, totalsLine } from '../lines.js';
import { laneProjection, type LaneProjection } from '../projection.js';
import type { LaneState } from '../store.js';
import { laneAtoms, mergeLine, windowLines, type Line } from '../text.js';
import { wrapWords } from '../wrap.js';
import type { FigureRow } from './layout.js';
import { atomStyle, BOUND_COLOR, laneColor } from './style.js';
import { ERROR_COLOR } from '../palette.js';
import { qualityCell } from '../plain.js';

export interface LaneProps {
  id: LaneId;
  lane: LaneState;
  info: RunInfo;
  width: number;
  textRows: number;
  figures: readonly FigureRow[];
  /** stacked: the pass goes on the title row */
  compact: boolean;
  color: boolean;
  guesses: boolean;
  showWallMs: boolean;
  /** the projection target (null: none) */
  target: ProjectionTarget | null;
}

/** the prompt alone, before the first pass arrives */
function promptOnly(info: RunInfo): Position[] {
  return [
    {
      state: 'prompt',
      token: null,
      text: info.config.prompt,
      step: null,
      confidence: null,
      guess: null,
      guessText: null,
    },
  ];
}

function fit(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/** Words of s in rows of at most width columns; the last row ends in … when words are left over. */
export function wrapText(s: string, width: number, rows: number): string[] {
  const out: string[] = [];
  let cur = '';
  const words = s.split(' ');
  let i = 0;
  for (; i < words.length && out.length < rows; i++) {
    const w = words[i]!;
    const next = cur ? `${cur} ${w}` : w;
    if ([...next].length <= width) cur = next;
    else {
      out.push(cur || fit(w, width));
      cur = cur ? w : '';
    }
  }
  if (out.length < rows && cur) {
    out.push(cur);
    cur = '';
  }
  const left = i < words.length || cur !== '';
  if (left && out.length) out[out.length - 1] = fit(out[out.length - 1]! + ' …', width);
  return out;
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

/** a figure line whose trailing "memory-bound" / "compute-bound" is coloured by the bound */
function BoundLine({ text, color }: { text: string; color: boolean }) {
  const m = /(memory|compute)-bound$/.exec(text);
  if (!m || !color) return <Text wrap="truncate">{text}</Text>;
  return (
    <Text wrap="truncate">
      {text.slice(0, m.index)}
      <Text color={BOUND_COLOR[m[1] as 'memory' | 'compute']} bold>
        {m[0]}
      </Text>
    </Text>
  );
}

/** "a · b · c", then "a · b", then "a": a line of fields with whole ones dropped from its end */
export function wholeFields(line: string): string[] {
  const f = line.split(' · ');
  return f.map((_, i) => f.slice(0, f.length - i).join(' · '));
}

/** A lane's text wrapped to its width: every row it would take to show it whole (the layout shares rows by them). */
export function laneLines(p: Pick<LaneProps, 'lane' | 'info' | 'width' | 'guesses' | 'color'>): Line[] {
  const positions = p.lane.event?.positions ?? promptOnly(p.info);
  const atoms = laneAtoms(positions, p.lane.event?.committed ?? [], { guesses: p.guesses, color: p.color });
  return wrapWords(atoms, p.width);
}

export function Lane(p: LaneProps) {
  const { lane, width, color } = p;
  const { lines, hidden } = windowLines(laneLines(p), p.textRows);
  const info = laneOf(p.info, p.id);
  const proj: LaneProjection | null =
    p.target && lane.passes.length ? laneProjection(p.id, lane.passes, p.target) : null;
  // its text's quality as it completes: fewer passes, worse text
  const status = lane.error
    ? 'error'
    : lane.done
      ? `done ✓${lane.quality ? ` · ppl ${qualityCell(lane.quality)}` : ''}`
      : '';
  const pass = lane.error ? `error: ${lane.error}` : passLine(lane.event);
  // where the row is short, whole fields of the pass line go from its end (a cut "α 0.3…" would read as α = 0.3)
  const heads = p.compact
    ? wholeFields(pass).flatMap((f) => [info.title, info.shortTitle, info.label].map((t) => `${t} · ${f}`))
    : [info.title, info.shortTitle];
  // the status on the right, with the count of rows scrolled away when there is room for it too
  const roomFor = (r: string) => Math.max(1, width - 2 - (r ? [...r].length + 1 : 0));
  const full = [hidden ? `↑${hidden}` : '', status].filter(Boolean).join(' · ');
  const fits = (r: string) => heads.find((h) => [...h].length <= roomFor(r));
  const right = fits(full) !== undefined || !status ? full : status;
  const room = roomFor(right);
  const head = heads.find((h) => [...h].length <= room) ?? heads[heads.length - 1]!;
  const title = fit(head, room);
  const gap = Math.max(1, width - 1 - [...title].length - [...right].length);
  const explainRows = p.figures.filter((f) => f === 'explain').length;
  const captions = lane.event
    ? [
        explainPass(info.label, lane.event, proj?.last ?? null, p.target),
        explainShort(info.label, lane.event, proj?.last ?? null),
      ]
    : ['waiting for the first pass…'];
  // the long caption where it fits in the rows, else the short one
  const captionRows = explainRows
    ? (captions.map((c) => wrapText(c, width, 99)).find((r) => r.length <= explainRows) ??
      wrapText(captions[captions.length - 1]!, width, explainRows))
    : [];
  let explainAt = 0;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text color={color ? laneColor(info.color) : undefined} bold>
          {'▌' + title}
        </Text>
        <Text>{' '.repeat(gap)}</Text>
        <Text
          color={color && lane.error ? ERROR_COLOR : undefined}
          dimColor={!lane.error}
          bold={lane.done && !lane.error}
        >
          {right}
        </Text>
      </Text>
      {p.figures.map((f, i) => {
        if (f === 'pass')
          return (
            <Text key={i} wrap="truncate" color={lane.error && color ? ERROR_COLOR : undefined}>
              {lane.error ? `error: ${lane.error}` : passLine(lane.event)}
            </Text>
          );
        if (f === 'proj')
          return (
            <BoundLine
              key={i}
              text={projLine(
                proj,
                width,
                lane.event ? expertsText(proj, lane.event.positions.filter((x) => x.state === 'committed').length) : '',
              )}
              color={color}
            />
          );
        if (f === 'here')
          return (
            <Text key={i} wrap="truncate">
              {hereLine(lane.event, p.showWallMs, width)}
            </Text>
          );
        if (f === 'totals')
          return (
            <Text key={i} wrap="truncate">
              {totalsLine(lane.totals, proj, p.showWallMs, width)}
            </Text>
          );
        const row = captionRows[explainAt++] ?? ' ';
        return (
          <Text key={i} wrap="truncate" italic dimColor={!color}>
            {row}
          </Text>
        );
      })}
      <TextRows lines={lines} rows={p.textRows} color={color} />
    </Box>
  );
}
