// Paths inside a model folder. model.json names its weights shards and its tokenizer; a hostile one could name
// ../../etc/passwd, /dev/zero or a symlink out of the folder. Every such path must be relative, free of `..`,
// and resolve (symlinks followed) to a file inside the folder; the reader then accepts only regular files.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { InputError } from '../io/errors.js';
import { errnoReason } from '../io/read-file.js';
import { visible, visibleName } from '../io/sanitize.js';

/** The real path of the file `rel` names inside the folder dir; InputError (exit 1) for any path that escapes it. */
export function fileInFolder(dir: string, rel: unknown, what: string): string {
  const bad = (why: string) =>
    new InputError(
      `${what} ${typeof rel === 'string' ? `"${visibleName(rel, 200)}" ` : ''}in ${visible(join(dir, 'model.json'))} ${why}`,
    );
  if (typeof rel !== 'string' || rel === '') throw bad('must be a file name inside the model folder');
  if (rel.length > 4096 || rel.includes('\0')) throw bad('is not a usable file name');
  if (isAbsolute(rel) || /^[a-zA-Z]:|^[\\/]/.test(rel))
    throw bad('is an absolute path: only paths inside the model folder are read');
  if (rel.split(/[\\/]/).includes('..')) throw bad('contains "..": only paths inside the model folder are read');
  let root: string;
  let real: string;
  try {
    root = realpathSync(dir);
  } catch (e) {
    throw new InputError(`cannot read the model folder ${visible(dir)}: ${errnoReason(e)}`);
  }
  try {
    real = realpathSync(join(root, rel));
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? bad('is missing') : bad(`cannot be read: ${errnoReason(e)}`);
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep))
    throw bad('leads outside the model folder (through a symbolic link)');
  return real;
}
