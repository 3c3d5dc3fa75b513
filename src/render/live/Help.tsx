// The `?` overlay: keys and what the colours and glyphs mean; it takes the lanes' rows, never more.
import { Box, Text } from 'ink';
import { FRESH_CLOSE, FRESH_OPEN, GUESS_CLOSE, GUESS_OPEN, MASK, NEWLINE, PROMPT_END } from '../glyphs.js';
import type { Pace } from '../store.js';

export function helpLines(pace: Pace): string[] {
  return [
    'Keys',
    '  space      pause / resume',
    '  → or n     one pass (also while paused)',
    '  + / -      faster / slower',
    '  r          restart both lanes',
    '  g          show the model’s current guesses at masked positions',
    '  h          next hardware target (ridge point of the gauge)',
    '  b          next batch: sequences decoded together in the projection (1, 8, 64, 256)',
    '  ?          this help          q or Ctrl-C   quit',
    '',
    'Text',
    `  prompt in cyan (no colour: ends at ${PROMPT_END}) · ${MASK} still masked · ${NEWLINE} newline`,
    `  committed this pass: bold, red p<0.3 · yellow p<0.7 · green (no colour: ${FRESH_OPEN}token${FRESH_CLOSE})`,
    `  guesses: faint (no colour: ${GUESS_OPEN}guess${GUESS_CLOSE})`,
    '',
    'Figures',
    '  here: this pass on this machine — bytes read (weights, KV cache), FLOPs, B/F = bytes/FLOPs, measured ms',
    '  proj: the same pass shape on the projection target (header) — bytes, FLOPs, B/F, roofline ms',
    '  Σ: loads = forward passes; overall B/F = total bytes / total FLOPs; │ projected bytes and time',
    '  gauge: 1e-4…10 B/F, log scale; ● projected overall B/F, ○ this machine’s, ┼ ridge at the target’s',
    '         efficiencies (η_m·bandwidth / η_c·peak): right of it memory-bound, left of it compute-bound',
    '  sparkline: projected B/F of every pass',
    pace === 'step' ? '  pace step: each tick advances each lane one pass' : '  pace time: lanes advance by their pass times (a race)',
  ];
}

export function HelpText({ rows, width, pace }: { rows: number; width: number; pace: Pace }) {
  const lines = helpLines(pace).slice(0, rows);
  while (lines.length < rows) lines.push(' ');
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((s, i) => (
        <Text key={i} wrap="truncate" bold={i === 0 || s === 'Text' || s === 'Figures'}>
          {s || ' '}
        </Text>
      ))}
    </Box>
  );
}
