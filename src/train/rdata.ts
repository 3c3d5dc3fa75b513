// A small reader for R's XDR serialization (saveRDS / lazy-load databases), enough to pull character vectors out of
// a package's data/Rdata.rdb without R. Format: R's src/main/serialize.c (ReadItem) and src/main/lazyload (the .rdb
// record layout, written by makeLazyLoadDB). Only what data packages use is read; anything else is a clear
// RDataError naming the SEXP type, never a wrong answer.
import { gunzipSync, inflateSync } from 'node:zlib';
import { InputError } from '../engine/io/errors.js';

/** Data R wrote that this reader cannot read: a malformed input file (exit 1), reported like the tool's (DlmError). */
export class RDataError extends InputError {
  override name = 'RDataError';
}

/** Attributes by name, in file order (names, class, dim, row.names, …). */
export type RAttributes = Map<string, RObject>;

export type RObject =
  | { type: 'null' }
  | { type: 'symbol'; name: string }
  /** LISTSXP / LANGSXP flattened along the CDR; tag is the symbol name of each cell, if any. */
  | { type: 'pairlist' | 'language'; items: { tag: string | null; value: RObject }[]; attributes: RAttributes }
  /** STRSXP; null is NA_character_ */
  | { type: 'character'; value: (string | null)[]; attributes: RAttributes }
  /** INTSXP; null is NA_integer_ */
  | { type: 'integer'; value: (number | null)[]; attributes: RAttributes }
  /** LGLSXP; null is NA */
  | { type: 'logical'; value: (boolean | null)[]; attributes: RAttributes }
  /** REALSXP; NA_real_ and NaN both read as NaN */
  | { type: 'double'; value: number[]; attributes: RAttributes }
  | { type: 'raw'; value: Uint8Array; attributes: RAttributes }
  /** VECSXP / EXPRSXP */
  | { type: 'list'; value: RObject[]; attributes: RAttributes }
  /** the special environments and markers (globalenv, emptyenv, missing arg, …), by name */
  | { type: 'special'; name: string };

// SEXP types (Rinternals.h) and the serialization's pseudo-types (serialize.c).
const SYMSXP = 1,
  LISTSXP = 2,
  LANGSXP = 6,
  CHARSXP = 9,
  LGLSXP = 10,
  INTSXP = 13,
  REALSXP = 14;
const STRSXP = 16,
  VECSXP = 19,
  EXPRSXP = 20,
  RAWSXP = 24;
const REFSXP = 255,
  NILVALUE_SXP = 254,
  ALTREP_SXP = 238;
const SPECIALS: Record<number, string> = {
  253: 'globalenv',
  252: 'unboundvalue',
  251: 'missingarg',
  250: 'basenamespace',
  242: 'emptyenv',
  241: 'baseenv',
};
// CHARSXP encoding bits in the "levels" field (flags >> 12): Defn.h LATIN1_MASK, UTF8_MASK, BYTES_MASK, ASCII_MASK.
const LATIN1 = 1 << 2,
  UTF8 = 1 << 3,
  BYTES = 1 << 1,
  ASCII = 1 << 6;
const NA_INTEGER = -0x80000000;

/** Decoded flags word of one item: type = flags & 0xff, object bit 8, has-attr bit 9, has-tag bit 10, levels 12+. */
export function decodeFlags(flags: number): {
  type: number;
  isObject: boolean;
  hasAttr: boolean;
  hasTag: boolean;
  levels: number;
} {
  return {
    type: flags & 0xff,
    isObject: (flags & (1 << 8)) !== 0,
    hasAttr: (flags & (1 << 9)) !== 0,
    hasTag: (flags & (1 << 10)) !== 0,
    levels: flags >>> 12,
  };
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  /** symbols (and other referable objects) in order of first appearance; REFSXP n is refs[n - 1] */
  private readonly refs: RObject[] = [];
  native: BufferEncoding = 'utf8';

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.byteLength)
      throw new RDataError(`R serialization truncated at byte ${this.pos} (needs ${n} more)`);
  }

  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, false);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Vector length: an int, or -1 then two ints (upper, lower 32 bits) for long vectors. */
  length(): number {
    const n = this.int();
    if (n >= 0) return n;
    if (n !== -1) throw new RDataError(`bad vector length ${n} at byte ${this.pos - 4}`);
    const hi = this.int() >>> 0;
    const lo = this.int() >>> 0;
    return hi * 2 ** 32 + lo;
  }

  header(): void {
    const magic = String.fromCharCode(...this.bytes(2));
    if (magic !== 'X\n') {
      const kind = magic === 'A\n' ? 'ASCII' : magic === 'B\n' ? 'native binary' : `unknown (${JSON.stringify(magic)})`;
      throw new RDataError(`R serialization format ${kind} is not supported; only XDR ('X\\n') is`);
    }
    const version = this.int();
    if (version !== 2 && version !== 3)
      throw new RDataError(`R serialization version ${version} is not supported (2 or 3)`);
    this.int(); // R version that wrote it
    this.int(); // oldest R version that can read it
    if (version === 3) {
      const enc = Buffer.from(this.bytes(this.int())).toString('latin1').toUpperCase();
      this.native =
        enc === 'UTF-8' || enc === 'UTF8' ? 'utf8' : /^(LATIN1|ISO[-_]?8859-1|CP1252)$/.test(enc) ? 'latin1' : 'utf8';
    }
  }

  get done(): boolean {
    return this.pos === this.buf.byteLength;
  }

  get offset(): number {
    return this.pos;
  }

  attributes(hasAttr: boolean): RAttributes {
    const out: RAttributes = new Map();
    if (!hasAttr) return out;
    const a = this.item();
    if (a.type !== 'pairlist') throw new RDataError(`attributes are a ${a.type}, expected a pairlist`);
    for (const { tag, value } of a.items) out.set(tag ?? '', value);
    return out;
  }

  /** One CHARSXP's payload (flags already read): NA_STRING is length -1. */
  charsxp(levels: number): string | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < 0) throw new RDataError(`bad string length ${n}`);
    const b = Buffer.from(this.bytes(n));
    // UTF-8 and ASCII as UTF-8; latin1 as latin1; "bytes" one code unit per byte (lossless); unmarked = native.
    if (levels & (UTF8 | ASCII)) return b.toString('utf8');
    if (levels & (LATIN1 | BYTES)) return b.toString('latin1');
    return b.toString(this.native);
  }

  item(): RObject {
    const flags = this.int();
    const { type, hasAttr, hasTag, levels } = decodeFlags(flags);
    switch (type) {
      case NILVALUE_SXP:
        return { type: 'null' };
      case REFSXP: {
        const packed = flags >>> 8;
        const i = packed === 0 ? this.int() : packed;
        const hit = this.refs[i - 1];
        if (!hit) throw new RDataError(`reference ${i} before its object (${this.refs.length} known)`);
        return hit;
      }
      case SYMSXP: {
        const cf = decodeFlags(this.int());
        if (cf.type !== CHARSXP) throw new RDataError(`symbol name is SEXP type ${cf.type}, expected CHARSXP (9)`);
        const sym: RObject = { type: 'symbol', name: this.charsxp(cf.levels) ?? 'NA' };
        this.refs.push(sym);
        return sym;
      }
      case LISTSXP:
      case LANGSXP:
        return this.pairlist(type, hasAttr, hasTag);
      case CHARSXP:
        // a bare CHARSXP outside a STRSXP: read as a length-1 character vector
        return { type: 'character', value: [this.charsxp(levels)], attributes: new Map() };
      case LGLSXP:
      case INTSXP: {
        const n = this.length();
        const v: (number | null)[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const x = this.int();
          v[i] = x === NA_INTEGER ? null : x;
        }
        const attributes = this.attributes(hasAttr);
        return type === INTSXP
          ? { type: 'integer', value: v, attributes }
          : { type: 'logical', value: v.map((x) => (x === null ? null : x !== 0)), attributes };
      }
      case REALSXP: {
        const n = this.length();
        const v: number[] = new Array(n);
        for (let i = 0; i < n; i++) v[i] = this.double();
        return { type: 'double', value: v, attributes: this.attributes(hasAttr) };
      }
      case STRSXP: {
        const n = this.length();
        const v: (string | null)[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const cf = decodeFlags(this.int());
          if (cf.type !== CHARSXP)
            throw new RDataError(`character vector element ${i} is SEXP type ${cf.type}, expected CHARSXP (9)`);
          v[i] = this.charsxp(cf.levels);
        }
        return { type: 'character', value: v, attributes: this.attributes(hasAttr) };
      }
      case VECSXP:
      case EXPRSXP: {
        const n = this.length();
        const v: RObject[] = new Array(n);
        for (let i = 0; i < n; i++) v[i] = this.item();
        return { type: 'list', value: v, attributes: this.attributes(hasAttr) };
      }
      case RAWSXP: {
        const n = this.length();
        return { type: 'raw', value: Uint8Array.from(this.bytes(n)), attributes: this.attributes(hasAttr) };
      }
      case ALTREP_SXP:
        return this.altrep();
      default:
        if (SPECIALS[type]) return { type: 'special', name: SPECIALS[type]! };
        throw new RDataError(`unsupported SEXP type ${type} at byte ${this.pos - 4}`);
    }
  }

  /** Pairlist cells: [attr] [tag] CAR CDR each; walked along the CDR in a loop so long lists don't recurse. */
  private pairlist(type: number, hasAttr: boolean, hasTag: boolean): RObject {
    const items: { tag: string | null; value: RObject }[] = [];
    let attributes: RAttributes | null = null;
    for (;;) {
      const attrs = this.attributes(hasAttr);
      attributes ??= attrs; // the first cell's attributes are the list's
      let tag: string | null = null;
      if (hasTag) {
        const t = this.item();
        if (t.type !== 'symbol') throw new RDataError(`pairlist tag is a ${t.type}, expected a symbol`);
        tag = t.name;
      }
      items.push({ tag, value: this.item() });
      const next = decodeFlags(this.int());
      if (next.type === NILVALUE_SXP) break;
      if (next.type !== LISTSXP && next.type !== LANGSXP) {
        throw new RDataError(`pairlist tail is SEXP type ${next.type}, expected a pairlist or NULL`);
      }
      hasAttr = next.hasAttr;
      hasTag = next.hasTag;
    }
    return { type: type === LANGSXP ? 'language' : 'pairlist', items, attributes };
  }

  /** ALTREP: class info, state, attributes. The compact sequences and wrappers R writes for plain vectors. */
  private altrep(): RObject {
    const info = this.item();
    const state = this.item();
    const attr = this.item();
    const cls = info.type === 'pairlist' && info.items[0]?.value.type === 'symbol' ? info.items[0].value.name : '?';
    const attributes: RAttributes = new Map();
    if (attr.type === 'pairlist') for (const { tag, value } of attr.items) attributes.set(tag ?? '', value);
    if (
      (cls === 'compact_intseq' || cls === 'compact_realseq') &&
      state.type === 'double' &&
      state.value.length === 3
    ) {
      const [n, start, step] = state.value as [number, number, number];
      const value = Array.from({ length: n }, (_, i) => start + i * step);
      return cls === 'compact_intseq' ? { type: 'integer', value, attributes } : { type: 'double', value, attributes };
    }
    // wrappers (wrap_integer, wrap_string, …) serialize as CONS(wrapped, metadata)
    const inner =
      state.type === 'pairlist' ? state.items[0]?.value : state.type === 'list' ? state.value[0] : undefined;
    if (cls.startsWith('wrap_') && inner) {
      return 'attributes' in inner ? { ...inner, attributes: attributes.size ? attributes : inner.attributes } : inner;
    }
    throw new RDataError(`unsupported ALTREP class ${cls}`);
  }
}

/** Read one XDR serialization (after decompression): header then exactly one object. */
export function unserialize(buf: Uint8Array): RObject {
  const r = new Reader(buf);
  r.header();
  const obj = r.item();
  if (!r.done) throw new RDataError(`R serialization has ${buf.byteLength - r.offset} bytes after its object`);
  return obj;
}

/**
 * One lazy-load record at [offset, offset + length) of an .rdb: a 4-byte big-endian *uncompressed* length, then
 * the zlib stream (compressed = TRUE / 1); for compressed = 2 or 3 a type byte follows the length ('Z' zlib,
 * '0' stored; bzip2 '2' and xz 'X' are not in node:zlib); compressed = FALSE / 0 is the bare serialization.
 */
export function readRecord(rdb: Uint8Array, offset: number, length: number, compressed: number = 1): RObject {
  if (offset < 0 || length < 4 || offset + length > rdb.byteLength) {
    throw new RDataError(`record at ${offset}+${length} lies outside the ${rdb.byteLength}-byte database`);
  }
  const rec = rdb.subarray(offset, offset + length);
  if (compressed === 0) return unserialize(rec);
  const expect = new DataView(rec.buffer, rec.byteOffset, 4).getUint32(0, false);
  let body = rec.subarray(4);
  let kind = 'Z';
  if (compressed === 2 || compressed === 3) {
    kind = String.fromCharCode(body[0] ?? 0);
    body = body.subarray(1);
  } else if (compressed !== 1) {
    throw new RDataError(`lazy-load compression ${compressed} is not supported`);
  }
  let raw: Uint8Array;
  if (kind === 'Z') {
    try {
      raw = inflateSync(body);
    } catch (e) {
      throw new RDataError(`record at ${offset}: zlib: ${(e as Error).message}`);
    }
  } else if (kind === '0') {
    raw = body;
  } else {
    throw new RDataError(`record at ${offset}: compression type '${kind}' is not supported (zlib only)`);
  }
  if (raw.byteLength !== expect)
    throw new RDataError(`record at ${offset} inflates to ${raw.byteLength} bytes, header says ${expect}`);
  return unserialize(raw);
}

export interface LazyLoadIndex {
  /** object name → [offset, length] in the .rdb, in the index's order */
  variables: Map<string, [number, number]>;
  /** 1 = zlib (TRUE), 2 = bzip2, 3 = xz (type byte per record) */
  compressed: number;
}

/** Names of a list's elements (its "names" attribute), or throw. */
export function names(obj: RObject, what = 'object'): string[] {
  const n = 'attributes' in obj ? obj.attributes.get('names') : undefined;
  if (!n || n.type !== 'character') throw new RDataError(`${what} has no names`);
  return n.value.map((s) => s ?? 'NA');
}

/** Read an .rdx: a gzip'd (saveRDS-style) or zlib-record serialized list(variables, references, compressed). */
export function readIndex(rdx: Uint8Array): LazyLoadIndex {
  let raw: Uint8Array;
  try {
    raw = rdx[0] === 0x1f && rdx[1] === 0x8b ? gunzipSync(rdx) : inflateSync(rdx.subarray(4));
  } catch (e) {
    throw new RDataError(`index: not gzip or zlib (${(e as Error).message})`);
  }
  const top = unserialize(raw);
  if (top.type !== 'list') throw new RDataError(`index is a ${top.type}, expected a list`);
  const fields = names(top, 'index');
  const vars = top.value[fields.indexOf('variables')];
  if (!vars || vars.type !== 'list') throw new RDataError('index has no "variables" list');
  const variables = new Map<string, [number, number]>();
  const varNames = vars.value.length ? names(vars, 'index variables') : [];
  vars.value.forEach((v, i) => {
    const at = v.type === 'integer' || v.type === 'double' ? v.value : [];
    if (at.length !== 2 || at[0] == null || at[1] == null)
      throw new RDataError(`index entry ${varNames[i]} is not (offset, length)`);
    variables.set(varNames[i]!, [at[0], at[1]]);
  });
  const c = top.value[fields.indexOf('compressed')];
  const cv = c && (c.type === 'logical' || c.type === 'integer' || c.type === 'double') ? c.value[0] : true;
  const compressed = cv === true || cv == null ? 1 : cv === false ? 0 : Number(cv);
  return { variables, compressed };
}

/** Every object of a lazy-load database (.rdb + .rdx), by name, in index order. */
export function readLazyLoadDB(rdb: Uint8Array, rdx: Uint8Array): Map<string, RObject> {
  const idx = readIndex(rdx);
  const out = new Map<string, RObject>();
  for (const [name, [off, len]] of idx.variables) out.set(name, readRecord(rdb, off, len, idx.compressed));
  return out;
}
