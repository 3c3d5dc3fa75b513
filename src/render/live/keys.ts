// Keys → actions, as a pure function (tested without a terminal).
import type { Key } from 'ink';

export type Action = 'pause' | 'step' | 'faster' | 'slower' | 'restart' | 'guesses' | 'hardware' | 'batch' | 'help' | 'quit';

export function keyAction(input: string, key: Partial<Key>): Action | null {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.escape) return 'quit';
  if (key.rightArrow) return 'step';
  switch (input) {
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
