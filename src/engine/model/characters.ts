// Token bytes → whole characters, per position (no UI; every renderer reads the result through StepEvent positions).
//
// A byte-level BPE token may hold part of a UTF-8 character: ’ (E2 80 99) can be one token or three. Decoding each
// token alone would show the pieces as replacement characters; this groups the bytes of neighbouring positions
// into characters and gives each character to one position:
//
// - a character whose bytes span several positions belongs to the one committed last (the highest step; the first of
//   them on a tie, e.g. in the prompt), so it appears — and is fresh — in the pass that completes it; the other
//   positions holding its bytes show nothing of it;
// - a character that is not complete yet, because a neighbouring position is still masked (diffusion fills positions
//   out of order) or the next token is not generated yet (the end of the sequence before the last pass), shows as
//   one U+FFFD on each position holding its bytes, and those positions are marked `partial`: it may still complete;
// - bytes that can never form a character (a neighbour committed to something else, or the run ended) show as U+FFFD
//   like TextDecoder's, without the mark.
//
// The concatenated texts of the committed positions are therefore always the lenient UTF-8 decoding of their bytes.

/** What a position shows: its whole characters, and whether it holds part of a character that may still complete. */
export interface PositionText {
  text: string;
  partial: boolean;
}

/** What the grouping reads of a position. */
export interface CharSource {
  /** null while masked */
  token: number | null;
  /** the pass that committed it; null for the prompt (counts as before every pass) */
  step: number | null;
}

const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const REPLACEMENT = '\uFFFD';

/** Bytes in the UTF-8 sequence a lead byte starts: 1–4, or 0 for a continuation byte or a byte no sequence starts with. */
export function sequenceLength(lead: number): number {
  return lead < 0x80
    ? 1
    : lead >= 0xc2 && lead <= 0xdf
      ? 2
      : lead >= 0xe0 && lead <= 0xef
        ? 3
        : lead >= 0xf0 && lead <= 0xf4
          ? 4
          : 0;
}

const isContinuation = (b: number) => b >= 0x80 && b <= 0xbf;

/** The character bytes[k, k + len) encode, or null when they are not one well-formed UTF-8 sequence (a bad
 * continuation, an overlong form, a surrogate, beyond U+10FFFF), the same test as a strict TextDecoder. */
function decodeOne(bytes: readonly number[], k: number, len: number): string | null {
  const b0 = bytes[k]!;
  if (len === 1) return String.fromCharCode(b0);
  let cp = b0 & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let m = 1; m < len; m++) {
    const b = bytes[k + m]!;
    if (!isContinuation(b)) return null;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return String.fromCodePoint(cp);
}

/** A token's own text when its bytes are whole characters; null when a character crosses its edges. */
function wholeText(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** Per-tokenizer cache of wholeText (the same few hundred tokens recur in every pass). */
const caches = new WeakMap<object, Map<number, string | null>>();

/** wholeText of a token, cached (no closures here or below: they run on every pass of every lane). */
function cachedWhole(
  cache: Map<number, string | null>,
  id: number,
  tokenBytes: (id: number) => Uint8Array,
): string | null {
  let t = cache.get(id);
  if (t === undefined) {
    t = wholeText(tokenBytes(id));
    cache.set(id, t);
  }
  return t;
}

/**
 * The text of every position (masked ones: ""). `tokenBytes` gives a token's bytes; `final`: no position will be
 * added or filled any more, so nothing is pending at the end of the sequence.
 */
export function positionTexts(
  positions: readonly CharSource[],
  tokenBytes: (id: number) => Uint8Array,
  final: boolean,
  cacheKey: object = tokenBytes,
): PositionText[] {
  let cache = caches.get(cacheKey);
  if (!cache) caches.set(cacheKey, (cache = new Map()));
  const out: PositionText[] = new Array(positions.length);
  for (let i = 0; i < positions.length; i++) out[i] = { text: '', partial: false };
  let i = 0;
  while (i < positions.length) {
    const tok = positions[i]!.token;
    if (tok === null) {
      i++;
      continue;
    }
    const w = cachedWhole(cache, tok, tokenBytes);
    if (w !== null) {
      out[i]!.text = w;
      i++;
      continue;
    }
    // a stretch of neighbouring tokens with characters across their edges: group its bytes
    let j = i;
    while (
      j < positions.length &&
      positions[j]!.token !== null &&
      cachedWhole(cache, positions[j]!.token!, tokenBytes) === null
    )
      j++;
    const openBefore = i > 0 && positions[i - 1]!.token === null;
    const openAfter = j < positions.length ? positions[j]!.token === null : !final;
    groupStretch(positions, i, j, tokenBytes, openBefore, openAfter, out);
    i = j;
  }
  return out;
}

/** A stretch being grouped: its bytes, the position each came from, and invalid bytes waiting to be decoded. */
interface Stretch {
  bytes: number[];
  owner: number[];
  out: PositionText[];
  bad: number[];
  badAt: number;
}

/** Invalid bytes decode together as TextDecoder would (one U+FFFD per maximal broken sequence), shown by the
 * position holding the first of them. */
function flushBad(st: Stretch): void {
  if (st.bad.length) st.out[st.badAt]!.text += lenient.decode(Uint8Array.from(st.bad));
  st.bad = [];
}

function addBad(st: Stretch, k: number): void {
  if (!st.bad.length) st.badAt = st.owner[k]!;
  st.bad.push(st.bytes[k]!);
}

/** Bytes [a, b) of a character that may still complete: one U+FFFD on each position holding some of them. */
function pending(st: Stretch, a: number, b: number): void {
  flushBad(st);
  for (let k = a; k < b; k++) {
    if (k > a && st.owner[k] === st.owner[k - 1]) continue;
    const o = st.out[st.owner[k]!]!;
    o.text += REPLACEMENT;
    o.partial = true;
  }
}

/** Group the bytes of positions [from, to) into characters (see the header for who shows what). */
function groupStretch(
  positions: readonly CharSource[],
  from: number,
  to: number,
  tokenBytes: (id: number) => Uint8Array,
  openBefore: boolean,
  openAfter: boolean,
  out: PositionText[],
): void {
  const st: Stretch = { bytes: [], owner: [], out, bad: [], badAt: -1 };
  for (let p = from; p < to; p++) {
    const b = tokenBytes(positions[p]!.token!);
    for (let m = 0; m < b.length; m++) {
      st.bytes.push(b[m]!);
      st.owner.push(p);
    }
  }
  const { bytes, owner } = st;
  const n = bytes.length;
  let k = 0;
  // continuation bytes at the start whose lead byte sits in a masked position to the left
  if (openBefore) {
    while (k < n && k < 3 && isContinuation(bytes[k]!)) k++;
    if (k) pending(st, 0, k);
  }
  while (k < n) {
    const len = sequenceLength(bytes[k]!);
    if (len === 0) {
      addBad(st, k++);
      continue;
    }
    if (k + len > n) {
      // the stretch ends inside this character: pending if what follows is still open and the bytes so far fit
      let fits = true;
      for (let m = k + 1; m < n; m++) fits &&= isContinuation(bytes[m]!);
      if (openAfter && fits) {
        pending(st, k, n);
        k = n;
      } else addBad(st, k++);
      continue;
    }
    const char = decodeOne(bytes, k, len);
    if (char === null) {
      addBad(st, k++);
      continue;
    }
    flushBad(st);
    // the character belongs to the position that completed it: the last committed of those holding its bytes
    let best = owner[k]!;
    for (let m = k + 1; m < k + len; m++)
      if ((positions[owner[m]!]!.step ?? -1) > (positions[best]!.step ?? -1)) best = owner[m]!;
    out[best]!.text += char;
    k += len;
  }
  flushBad(st);
}
