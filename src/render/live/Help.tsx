// The `?` overlay: keys and what the colours and glyphs mean; it takes the lanes' rows, never more.
import { Box, Text } from 'ink';
import { FRESH_CLOSE, FRESH_OPEN, GUESS_CLOSE, GUESS_OPEN, MASK, NEWLINE, PROMPT_END } from '../glyphs.js';
import type { Pace } from '../store.js';

/** The help's lines; `cycle` is what `s` does, in the words of the lane that cycles a setting (none: no `s` line). */
export function helpLines(pace: Pace, cycle?: string): string[] {
  return [
    'Keys',
    '  space      pause / resume',
    pace === 'step'
      ? '  → or n     one pass of every lane (also while paused)'
      : '  → or n     the race’s next pass, whichever lane’s comes next in time (also while paused)',
    '  + / -      faster / slower',
    pace === 'step'
      ? '  r          restart every lane'
      : '  r          run the race again (its decoded passes, not decoded again)',
    ...(cycle ? [`  s          ${cycle}`] : []),
    '  g          show the model’s current guesses at masked positions',
    '  h          next hardware target (its ridge point on the chart)',
    '  b          next batch: sequences decoded together in the projection (1, 8, 64, 256)',
    '  ?          this help (Esc closes it)          q or Ctrl-C   quit',
    '',
    'Text',
    `  prompt in sky blue (no colour: ends at ${PROMPT_END}) · ${MASK} still masked · ${NEWLINE} newline`,
    `  committed this pass: bold, vermillion p<0.3 · orange p<0.7 · plain above (no colour: ${FRESH_OPEN}token${FRESH_CLOSE})`,
    `  guesses: faint (no colour: ${GUESS_OPEN}guess${GUESS_CLOSE})`,
    '',
    'Figures',
    '  here: this pass on this machine — bytes read (weights, KV cache), FLOPs, B/F = bytes/FLOPs, measured ms',
    '  proj: the same pass shape on the projection target (header) — bytes, FLOPs, B/F, roofline ms',
    '  Σ: loads = forward passes; overall B/F = total bytes / total FLOPs; │ projected bytes and time',
    '  passes 105+411d: the lane model’s passes + a draft’s; tok/pass (TPF) = tokens / the first',
    '  ppl: the AR model’s perplexity of a finished text, lower is better (plausible < 40: as likely as the corpus’s',
    '       own prose; the judge cannot vouch for grammar); speculative keeps AR’s distribution: their gap is chance',
    '  verdict: each lane’s time on the target, its binding bound, and how many diffusion passes still beat the others',
    '  roofline: FLOP/s against FLOP per byte, log-log; the target’s roof and this machine’s; every pass a point',
    '            (filled: on the target, hollow: measured here); left of the dotted ridge memory-bound, right compute-bound',
    '  bars: bytes (B) and FLOPs (F) of every pass on the target, height ∝ value, one scale for all lanes',
    pace === 'step'
      ? '  pace step: a pass-count race, not time: each tick advances each lane one pass'
      : '  pace time: lanes advance by their time on the target, so the first to finish is the fastest there; h, b replay it',
  ];
}

export function HelpText({ rows, width, pace, cycle }: { rows: number; width: number; pace: Pace; cycle?: string }) {
  const lines = helpLines(pace, cycle).slice(0, rows);
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
