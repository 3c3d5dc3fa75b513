// Keys → actions, as pure functions (tested without a terminal). One read from the terminal may hold several
// keys ("nnnnn" typed fast, "qq", Ctrl-C twice): keyActions splits it so that every key counts.
import type { Key } from 'ink';

export type Action =
  | 'pause'
  | 'step'
  | 'faster'
  | 'slower'
  | 'restart'
  | 'guesses'
  | 'hardware'
  | 'batch'
  | 'help'
  | 'close'
  | 'steps'
  | 'suspend'
  | 'quit';

export function keyAction(input: string, key: Partial<Key>): Action | null {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.ctrl && input === 'z') return 'suspend';
  // Esc closes an overlay; it never quits (q and Ctrl-C do)
  if (key.escape) return 'close';
  if (key.rightArrow) return 'step';
  switch (input) {
    case '\x03':
      return 'quit';
    case '\x1a':
      return 'suspend';
    case ' ':
      return 'pause';
    case 'n':
    case '.':
      return 'step';
    case '+':
    case '=':
      return 'faster';
    case '-':
    case '_':
      return 'slower';
    case 'r':
      return 'restart';
    case 's':
      return 'steps';
    case 'g':
      return 'guesses';
    case 'h':
      return 'hardware';
    case 'b':
      return 'batch';
    case '?':
      return 'help';
    case 'q':
      return 'quit';
    default:
      return null;
  }
}

/** Every action in one read: a special key (arrow, Esc) as Ink parsed it, else each character on its own. */
export function keyActions(input: string, key: Partial<Key>): Action[] {
  const special =
    key.escape ||
    key.rightArrow ||
    key.leftArrow ||
    key.upArrow ||
    key.downArrow ||
    key.return ||
    key.tab ||
    key.backspace ||
    key.delete;
  if (special || (key.ctrl && input.length === 1) || [...input].length <= 1) {
    const a = keyAction(input, key);
    return a ? [a] : [];
  }
  const out: Action[] = [];
  for (const ch of input) {
    const a = keyAction(ch, {});
    if (a) out.push(a);
  }
  return out;
}
