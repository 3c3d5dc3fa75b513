// Reading a file the user pointed at (model folder, tokenizer, hardware or model JSON, profile, word list) without
// trusting it: only a regular file (a FIFO would block forever, /dev/zero would never end), at most a stated size,
// read through one descriptor so that what was checked is what is read. Errors are one line and never quote the
// file's contents (V8's JSON errors do: "Unexpected token 'r', "root:x:0:0" is not valid JSON").
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError } from './errors.js';
import { visible } from './sanitize.js';

/** "ENOENT: no such file or directory, open '…'" → "no such file or directory (ENOENT)" (no path: the caller names it). */
export function errnoReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string') {
    const text = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message ?? '')?.[1];
    return text ? `${text} (${err.code})` : err.code;
  }
  return visible(String((e as Error)?.message ?? e).split('\n')[0] ?? 'unknown error');
}

/** What a non-regular file is, in words. */
export function fileKind(st: Stats): string {
  return st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a FIFO'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
}

export interface ReadOptions {
  /** what the file is, for messages ("tokenizer", "hardware file") */
  what: string;
  /** the largest size accepted */
  maxBytes: number;
  /** the exact size expected (e.g. a weights shard's, from the manifest) */
  size?: number;
}

/** The bytes of a regular file, checked as ReadOptions say; InputError (exit 1) otherwise. */
export function readRegularFile(path: string, o: ReadOptions): Buffer {
  const where = `${o.what} ${visible(path)}`;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below then refuses it
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(`cannot read ${where}: ${errnoReason(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${where} is ${fileKind(st)}, not a regular file`);
    if (o.size !== undefined && st.size !== o.size)
      throw new InputError(`${where} is ${st.size} bytes, but ${o.size} are expected`);
    if (st.size > o.maxBytes)
      throw new InputError(`${where} is ${st.size} bytes, more than the ${o.maxBytes} accepted`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) throw new InputError(`${where} shrank while it was read`);
      off += n;
    }
    return buf;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${where}: ${errnoReason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Nesting deeper than this is refused before parsing: no file dlm-watch reads nests past 6, and a 200,000-deep array
 * parses but overflows the stack of whatever walks it next ("Maximum call stack size exceeded"). */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count): one linear scan. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Parse JSON text; the error names the file and the position, never the text. */
export function parseJson(text: string, path: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw new InputError(`${what} ${visible(path)} nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at =
      /line \d+ column \d+/.exec(msg)?.[0] ??
      (/position (\d+)/.exec(msg)
        ? `position ${/position (\d+)/.exec(msg)![1]}`
        : /end of JSON/.test(msg)
          ? 'the end'
          : null);
    throw new InputError(`${what} ${visible(path)} is not valid JSON${at ? ` (at ${at})` : ''}`);
  }
}

/** Files read as JSON are small: 16 MiB is far beyond any model.json, tokenizer or hardware file. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** A JSON file: a regular file of at most maxBytes, parsed with a content-free error. */
export function readJsonFile(path: string, what: string, maxBytes = MAX_JSON_BYTES): unknown {
  const text = readRegularFile(path, { what, maxBytes }).toString('utf8');
  return parseJson(text, path, what);
}
