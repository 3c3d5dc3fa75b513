// Every file dlm-watch writes (recordings, the calibrate profile, saved models) goes through here: the bytes go to
// a temporary file in the target's own folder, are flushed to disk, and replace the target by rename only once
// complete. A full disk, a read-only folder or a kill mid-write leaves the old file as it was and no partial file;
// any failure is one RunError line (exit 1). Only regular files are written: renaming over /dev/full or a FIFO
// would replace the device node, and writing into them reports nothing useful.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RunError } from './errors.js';
import { errnoReason, fileKind } from './read-file.js';
import { visible } from './sanitize.js';

interface Target {
  /** the file renamed over: the path, or what an existing symlink at it points to */
  file: string;
  /** the existing file's permission bits, kept for the new one */
  mode: number;
}

function statOrNull(p: string, link = false): Stats | null {
  try {
    return link ? lstatSync(p) : statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Where a write to path lands, or a RunError saying why it cannot. */
function targetOf(path: string, what: string): Target {
  const fail = (why: string) => new RunError(`cannot write ${what} ${visible(path)}: ${why}`);
  if (!path) throw fail('no file name');
  // resolve() drops a trailing slash, which would write a file where a folder was named
  if (/[\\/]$/.test(path)) throw fail('the name ends in a slash (a folder, not a file)');
  let file = resolve(path);
  try {
    const link = statOrNull(file, true);
    if (link?.isSymbolicLink()) {
      // a link to an existing file: replace the file it points to, keep the link
      if (!statOrNull(file)) throw fail('it is a symbolic link to nothing');
      file = realpathSync(file);
    }
    const st = statOrNull(file);
    if (st && !st.isFile()) throw fail(`it is ${fileKind(st)} (only regular files are written)`);
    const dir = statOrNull(dirname(file));
    if (!dir) throw fail(`the folder ${visible(dirname(path) || '.')} does not exist`);
    if (!dir.isDirectory()) throw fail(`${visible(dirname(path))} is not a folder`);
    return { file, mode: st ? st.mode & 0o777 : 0o666 };
  } catch (e) {
    if (e instanceof RunError) throw e;
    throw fail(errnoReason(e));
  }
}

/** The longest file name most file systems take (ext4, xfs, btrfs, tmpfs: 255 bytes). */
const NAME_MAX = 255;

/** The temporary file for `file`: ".<name>.<pid>.<random>.tmp" in the same folder, the name cut (at a whole
 * character) so the whole stays within NAME_MAX bytes: a legal 250-byte target name must not be refused. */
export function tempName(file: string): string {
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let base = basename(file);
  while (Buffer.byteLength(`.${base}${suffix}`) > NAME_MAX) base = [...base].slice(0, -1).join('');
  return join(dirname(file), `.${base}${suffix}`);
}

// temporary files being written now: removed on any exit that runs code (an error, a signal the CLI turns into an
// exit); only SIGKILL leaves one, and the next write to the same folder removes it (removeStale)
const pending = new Set<string>();
let hooked = false;
function track(tmp: string): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const t of pending)
        try {
          unlinkSync(t);
        } catch {
          /* gone */
        }
    });
  }
  pending.add(tmp);
}

/** Remove temporary files of ours in dir whose writer is gone (a SIGKILL mid-write): ".*.<pid>.<8 hex>.tmp" with no
 * live process <pid>. */
export function removeStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(n);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, n));
    } catch {
      /* another writer took it */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Check before a long run that path can be written (folder exists and takes a new file; target, if any, is a
 * regular file); throws the RunError the write would. Nothing is left behind. */
export function checkWritable(path: string, what = 'file'): void {
  const t = targetOf(path, what);
  const tmp = tempName(t.file);
  try {
    closeSync(openSync(tmp, 'wx', 0o600));
    unlinkSync(tmp);
  } catch (e) {
    throw new RunError(`cannot write ${what} ${visible(path)}: ${errnoReason(e)}`);
  }
}

/** Write data to path atomically: temp file in the same folder, fsync, rename; the old file survives any failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array, what = 'file'): void {
  const t = targetOf(path, what);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  removeStale(dirname(t.file));
  const tmp = tempName(t.file);
  let fd: number | null = null;
  track(tmp);
  try {
    fd = openSync(tmp, 'wx', t.mode);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, t.file);
    pending.delete(tmp);
  } catch (e) {
    if (fd !== null)
      try {
        closeSync(fd);
      } catch {
        /* already failing */
      }
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or gone */
    }
    pending.delete(tmp);
    throw new RunError(`cannot write ${what} ${visible(path)}: ${errnoReason(e)}`);
  }
  // the rename itself reaches the disk when the folder is flushed (best effort: not every file system allows it)
  try {
    const dfd = openSync(dirname(t.file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* the file is complete either way */
  }
}

/** Create a folder and its missing parents, one mkdir at a time. Not mkdirSync's `recursive`: in Node 20 it loops
 * for ever at 100 % CPU where mkdir answers ENOENT for a parent that exists (/proc/x: `calibrate` with such a
 * DLM_WATCH_HOME spun). Throws RunError (exit 1) naming the folder. */
export function makeFolder(dir: string, what = 'folder'): void {
  const missing: string[] = [];
  try {
    let d = resolve(dir);
    while (!statOrNull(d)) {
      missing.push(d);
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
    if (!statOrNull(d)?.isDirectory())
      throw new RunError(`cannot create ${what} ${visible(dir)}: ${visible(d)} is not a folder`);
    for (const m of missing.reverse()) mkdirSync(m);
  } catch (e) {
    if (e instanceof RunError) throw e;
    throw new RunError(`cannot create ${what} ${visible(dir)}: ${errnoReason(e)}`);
  }
}
