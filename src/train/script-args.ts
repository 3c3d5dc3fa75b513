// The training scripts' command lines: node's parseArgs, its errors as one-line UsageErrors (exit 2), so every
// script reports through the same DlmError path as the tool (src/commands/errors.ts runCommand).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../engine/io/errors.js';

/** parseArgs(config), a bad flag or value thrown as a UsageError with node's first line (and `usage`, when given). */
export function parseScriptArgs<T extends ParseArgsConfig>(config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}${usage ? `; ${usage}` : ''}`);
  }
}
