import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import {
  RDataError,
  decodeFlags,
  names,
  readIndex,
  readLazyLoadDB,
  readRecord,
  unserialize,
} from '../src/train/rdata.js';
import type { RObject } from '../src/train/rdata.js';
import { OBJECTS, corpusFromLazyLoad, joinNovels } from '../src/train/rebuild-corpus.js';

// --- A tiny XDR writer, the mirror of R's WriteItem, to build synthetic objects byte by byte. ---
const cat = (...b: Buffer[]): Buffer => Buffer.concat(b);
const int = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const dbl = (x: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b;
};
const flags = (type: number, o: { attr?: boolean; tag?: boolean; obj?: boolean; levels?: number } = {}): Buffer =>
  int(type | (o.obj ? 1 << 8 : 0) | (o.attr ? 1 << 9 : 0) | (o.tag ? 1 << 10 : 0) | ((o.levels ?? 0) << 12));
const ASCII = 64,
  UTF8 = 8,
  LATIN1 = 4;
const charsxp = (s: string | null, levels = ASCII, enc: BufferEncoding = 'utf8'): Buffer => {
  if (s === null) return cat(flags(9), int(-1));
  const b = Buffer.from(s, enc);
  return cat(flags(9, { levels }), int(b.length), b);
};
const strsxp = (xs: (string | null)[], attr?: Buffer): Buffer =>
  cat(flags(16, { attr: !!attr }), int(xs.length), ...xs.map((s) => charsxp(s)), attr ?? Buffer.alloc(0));
const intsxp = (xs: number[], attr?: Buffer): Buffer =>
  cat(flags(13, { attr: !!attr }), int(xs.length), ...xs.map(int), attr ?? Buffer.alloc(0));
const NIL = int(254);
/** A symbol the first time, then a REFSXP to it (index packed in the flags), as R writes them. */
function symbols(): (name: string) => Buffer {
  const seen: string[] = [];
  return (name) => {
    const i = seen.indexOf(name);
    if (i >= 0) return int(((i + 1) << 8) | 255);
    seen.push(name);
    return cat(int(1), charsxp(name));
  };
}
/** A tagged pairlist (as attributes are written): cells of flags, tag, CAR, then NIL. */
const taggedPairlist = (sym: (n: string) => Buffer, cells: [string, Buffer][]): Buffer =>
  cat(...cells.map(([t, v]) => cat(flags(2, { tag: true }), sym(t), v)), NIL);
const headerV2 = cat(Buffer.from('X\n'), int(2), int(0x040201), int(0x020300));
const headerV3 = cat(Buffer.from('X\n'), int(3), int(0x040201), int(0x030500), int(5), Buffer.from('UTF-8'));

/** list(variables = list(<name> = c(off, len)), references = list(), compressed = c) serialized, as an .rdx holds. */
function indexBytes(vars: [string, number, number][], compressed: Buffer = cat(flags(10), int(1), int(1))): Buffer {
  const sym = symbols();
  const named = (xs: string[]) => taggedPairlist(sym, [['names', strsxp(xs)]]);
  const variables = cat(
    flags(19, { attr: true }),
    int(vars.length),
    ...vars.map(([, o, l]) => intsxp([o, l])),
    named(vars.map((v) => v[0])),
  );
  const references = cat(flags(19, { attr: true }), int(0), named([]));
  return cat(
    headerV3,
    flags(19, { attr: true }),
    int(3),
    variables,
    references,
    compressed,
    named(['variables', 'references', 'compressed']),
  );
}

/** An .rdb of zlib records (4-byte big-endian uncompressed length + zlib stream) and its gzip'd .rdx. */
function lazyLoadDB(objects: [string, Buffer][]): { rdb: Buffer; rdx: Buffer } {
  const recs: Buffer[] = [];
  const vars: [string, number, number][] = [];
  let off = 0;
  for (const [name, body] of objects) {
    const ser = cat(headerV3, body);
    const rec = cat(int(ser.length), deflateSync(ser));
    vars.push([name, off, rec.length]);
    recs.push(rec);
    off += rec.length;
  }
  return { rdb: cat(...recs), rdx: gzipSync(indexBytes(vars)) };
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = ['--import', 'tsx', join(REPO, 'src/train/rebuild-corpus.ts')];

const chr = (o: RObject): (string | null)[] => {
  assert.equal(o.type, 'character');
  return (o as Extract<RObject, { type: 'character' }>).value;
};

// --- Real R output: janeaustenr 1.0.0-1's data/Rdata.rdx and data/Rdata.rds (MIT), written by R 4.2.1. ---
const REAL_RDX = Buffer.from(
  'H4sIAAAAAAAAA1WQ0UrDMBSG/6apsEJnxT3BLhXvBYeXPoGCFxNJ2zMXbdKSbMIewjfxAQTxKXwcQU3TkLGLk/z/d8LJn9znAFJwliDNnER2d3tzcQmwU98Y9yNXhSsGf+TxPPpBZ8u36PPPD7D3ZfTFegb2fRZ9eXUNPv+KfvbwA36ygEvgfAKOyXCDFoqsE6W/fISclBJBF0pou5LUNr0wLwEe685s1kI/kRFVRbuA856M3QorOx3ItDeyod7Q87aRNQVaWtKWhkVWspWbnWO/4QMwBkz+QiaMPeQ+tK+DfhpmTl6FkaJq3WNCGEMrMqTrPak75aJYS80w9B/7URx+kQEAAA==',
  'base64',
);
const REAL_RDS = Buffer.from(
  'H4sIAAAAAAAAA3WOSwrCMBBAp2lSsKAWPIf7nsATKLidmFFHmzQk7cLLixFcaGwX833M8I41AJQgRQGlSi2ow363bQHEJg1ViiZFARIWqUqyFrPd0qKLZ6bOeAz3DK5dH4YrugsF1JoeGa49hThi5N5lZOUDG/KBbqPhE2W0ieQivRNr7nhIf6X44sqhpfg5qn7kJ6VnZP8lp+VmpeD5AkrsCCFgAQAA',
  'base64',
);

test('readIndex: the real janeaustenr Rdata.rdx gives the six novels with the record offsets a zlib walk of the .rdb finds', () => {
  const idx = readIndex(REAL_RDX);
  assert.equal(idx.compressed, 1);
  // offsets/lengths found independently by inflating Rdata.rdb record after record (Python zlib.decompressobj)
  assert.deepEqual(
    [...idx.variables],
    [
      ['emma', [0, 352043]],
      ['mansfieldpark', [352043, 351373]],
      ['northangerabbey', [703416, 175196]],
      ['persuasion', [878612, 185130]],
      ['prideprejudice', [1063742, 271037]],
      ['sensesensibility', [1334779, 266556]],
    ],
  );
  assert.deepEqual([...idx.variables.keys()], [...OBJECTS]);
});

test('unserialize: the real Rdata.rds (a named list of one-string character vectors, REFSXP to "names")', async () => {
  const { gunzipSync } = await import('node:zlib');
  const o = unserialize(gunzipSync(REAL_RDS));
  assert.equal(o.type, 'list');
  assert.deepEqual(names(o), [...OBJECTS]);
  assert.deepEqual(
    (o as Extract<RObject, { type: 'list' }>).value.map(chr),
    OBJECTS.map((n) => [n]),
  );
});

test('decodeFlags: type, object, attr, tag bits and levels', () => {
  assert.deepEqual(decodeFlags(0x00040009), { type: 9, isObject: false, hasAttr: false, hasTag: false, levels: 64 });
  assert.deepEqual(decodeFlags(0x00000213), { type: 19, isObject: false, hasAttr: true, hasTag: false, levels: 0 });
  assert.deepEqual(decodeFlags(0x00000702), { type: 2, isObject: true, hasAttr: true, hasTag: true, levels: 0 });
  assert.equal(decodeFlags(0x000001ff).type, 255);
});

test('unserialize: vectors with NA, encodings, attributes, tags, references, NULL, raw (version 2 and 3)', () => {
  const sym = symbols();
  const strings = cat(
    flags(16),
    int(5),
    charsxp('plain'),
    charsxp(null),
    charsxp('£20,000', UTF8),
    charsxp('café', LATIN1, 'latin1'),
    charsxp(''),
  );
  const ints = intsxp([1, -0x80000000, 7]);
  const lgls = cat(flags(10), int(3), int(1), int(0), int(-0x80000000));
  const dbls = cat(flags(14), int(2), dbl(1.5), dbl(-0.25));
  const rawv = cat(flags(24), int(3), Buffer.from([0, 255, 7])); // raw bytes are not padded to 4 in XDR serialization
  // a pairlist with one tagged cell, one untagged, reusing the "names" symbol by reference
  // pieces built in byte order, so the symbol written first is the one later cells refer to
  const plist = cat(flags(2, { tag: true }), sym('names'), intsxp([3]), flags(2), strsxp(['x']), NIL);
  const attrs = taggedPairlist(sym, [
    ['names', strsxp(['s', 'i', 'l', 'd', 'n', 'r', 'p'])],
    ['class', strsxp(['thing'])],
  ]);
  const body = cat(flags(19, { attr: true, obj: true }), int(7), strings, ints, lgls, dbls, NIL, rawv, plist, attrs);
  for (const header of [headerV2, headerV3]) {
    const o = unserialize(cat(header, body));
    assert.equal(o.type, 'list');
    const l = o as Extract<RObject, { type: 'list' }>;
    assert.deepEqual(names(o), ['s', 'i', 'l', 'd', 'n', 'r', 'p']);
    assert.deepEqual(chr(l.attributes.get('class')!), ['thing']);
    assert.deepEqual(chr(l.value[0]!), ['plain', null, '£20,000', 'café', '']);
    assert.deepEqual(l.value[1], { type: 'integer', value: [1, null, 7], attributes: new Map() });
    assert.deepEqual(l.value[2], { type: 'logical', value: [true, false, null], attributes: new Map() });
    assert.deepEqual(l.value[3], { type: 'double', value: [1.5, -0.25], attributes: new Map() });
    assert.deepEqual(l.value[4], { type: 'null' });
    assert.deepEqual(l.value[5], { type: 'raw', value: Uint8Array.from([0, 255, 7]), attributes: new Map() });
    const p = l.value[6]!;
    if (p.type !== 'pairlist') assert.fail(`got ${p.type}`);
    const items = p.items;
    assert.deepEqual(
      items.map((c) => c.tag),
      ['names', null],
    );
    assert.deepEqual(chr(items[1]!.value), ['x']);
  }
});

test('unserialize: ALTREP compact_intseq (1:4) and a wrapped string vector read as plain vectors', () => {
  let sym = symbols();
  const info = (cls: string, type: number) =>
    cat(flags(2), sym(cls), flags(2), sym('base'), flags(2), intsxp([type]), NIL);
  const seq = cat(int(238), info('compact_intseq', 13), cat(flags(14), int(3), dbl(4), dbl(1), dbl(1)), NIL);
  assert.deepEqual(unserialize(cat(headerV3, seq)), { type: 'integer', value: [1, 2, 3, 4], attributes: new Map() });
  sym = symbols(); // a new stream, a new reference table
  const wrap = cat(
    int(238),
    info('wrap_string', 16),
    cat(flags(2), strsxp(['a', 'b']), flags(2), intsxp([0, 0]), NIL),
    NIL,
  );
  assert.deepEqual(chr(unserialize(cat(headerV3, wrap))), ['a', 'b']);
});

test('unserialize: unsupported or broken input is an RDataError with one line', () => {
  const bad: [Buffer, RegExp][] = [
    [Buffer.from('A\n2\n'), /ASCII.*not supported/],
    [cat(Buffer.from('X\n'), int(4), int(0), int(0)), /version 4/],
    [cat(headerV3, flags(16), int(2), charsxp('a')), /truncated/],
    [cat(headerV3, int(4)), /unsupported SEXP type 4/],
    [cat(headerV3, NIL, int(0)), /4 bytes after/],
    [cat(headerV3, int((3 << 8) | 255)), /reference 3 before/],
    [cat(headerV3, flags(16), int(1), intsxp([1])), /expected CHARSXP/],
  ];
  for (const [buf, re] of bad) {
    assert.throws(
      () => unserialize(buf),
      (e: Error) => e instanceof RDataError && re.test(e.message) && !e.message.includes('\n'),
      re.source,
    );
  }
});

test('readLazyLoadDB: zlib records found through the index, by name; a wrong length header is caught', () => {
  const { rdb, rdx } = lazyLoadDB([
    ['b', strsxp(['first', 'second'])],
    ['a', intsxp([42])],
  ]);
  const db = readLazyLoadDB(rdb, rdx);
  assert.deepEqual([...db.keys()], ['b', 'a']);
  assert.deepEqual(chr(db.get('b')!), ['first', 'second']);
  assert.deepEqual(db.get('a'), { type: 'integer', value: [42], attributes: new Map() });
  const broken = Buffer.from(rdb);
  broken.writeUInt32BE(broken.readUInt32BE(0) + 1, 0);
  assert.throws(() => readLazyLoadDB(broken, rdx), /inflates to \d+ bytes, header says/);
  assert.throws(() => readRecord(rdb, rdb.length - 2, 10), /outside/);
});

test('readRecord: compressed = 3 takes a type byte (Z zlib, 0 stored); 0 is the bare serialization', () => {
  const ser = cat(headerV2, strsxp(['z']));
  assert.deepEqual(
    chr(readRecord(cat(int(ser.length), Buffer.from('Z'), deflateSync(ser)), 0, 5 + deflateSync(ser).length, 3)),
    ['z'],
  );
  assert.deepEqual(chr(readRecord(cat(int(ser.length), Buffer.from('0'), ser), 0, 5 + ser.length, 3)), ['z']);
  assert.deepEqual(chr(readRecord(ser, 0, ser.length, 0)), ['z']);
  assert.throws(
    () => readRecord(cat(int(ser.length), Buffer.from('X'), ser), 0, 5 + ser.length, 3),
    /'X' is not supported/,
  );
});

test('joinNovels: every line ends in "\\n" = novels joined by "\\n" plus a final "\\n"', () => {
  const novels = [['EMMA', '', 'By Jane Austen', 'FINIS'], ['PERSUASION', 'Finis'], ['x']];
  const joined = joinNovels(novels);
  assert.equal(joined, 'EMMA\n\nBy Jane Austen\nFINIS\nPERSUASION\nFinis\nx\n');
  assert.equal(joined, novels.map((n) => n.join('\n')).join('\n') + '\n');
  assert.throws(() => joinNovels([['a', null]]), /NA_character_/);
});

test('corpusFromLazyLoad: the six objects in corpus order (not index order), UTF-8 bytes', () => {
  const objs: [string, Buffer][] = [...OBJECTS].reverse().map((n) => [n, strsxp([n.toUpperCase(), '£1'])]);
  const { rdb, rdx } = lazyLoadDB(objs);
  const out = corpusFromLazyLoad(rdb, rdx);
  assert.equal(out.toString('utf8'), OBJECTS.map((n) => `${n.toUpperCase()}\n£1\n`).join(''));
  assert.equal(
    out.length,
    OBJECTS.reduce((s, n) => s + n.length + 1 + 3 + 1, 0),
  ); // '£' is 2 bytes in UTF-8
  const { rdb: r2, rdx: x2 } = lazyLoadDB([['emma', strsxp(['x'])]]);
  assert.throws(() => corpusFromLazyLoad(r2, x2), /no object "mansfieldpark"/);
});

test('rebuild-corpus CLI: data whose sha256 differs is one line on stderr, exit 1, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdata-'));
  try {
    const { rdb, rdx } = lazyLoadDB(OBJECTS.map((n) => [n, strsxp([n])]));
    writeFileSync(join(dir, 'Rdata.rdb'), rdb);
    writeFileSync(join(dir, 'Rdata.rdx'), rdx);
    const out = join(dir, 'austen.txt');
    const r = spawnSync(process.execPath, [...CLI, '--rdb', join(dir, 'Rdata.rdb'), '--out', out], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^dlm-watch rebuild-corpus: rebuilt corpus has sha256 [0-9a-f]{64}, expected 65b434d1[0-9a-f]+; not written\n$/,
    );
    assert.equal(existsSync(out), false);
    const u = spawnSync(process.execPath, [...CLI, '--rdb', 'a', '--deb', 'b'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(u.status, 2);
    assert.equal(u.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
