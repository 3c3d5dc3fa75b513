// Byte-level BPE tokenizer: lossless for any well-formed string, no tfjs, fast encode through a per-word cache.
//
// Ids: 0..255 are the raw bytes; 256 + i is merges[i]; then the special tokens, of which there is exactly one,
// "[MASK]", so maskId = vocabSize - 1. Text never encodes to a special: "[MASK]" typed by a user is six byte-level
// tokens like any other text.
//
// Pre-tokenisation is GPT-2's regex (contractions, words with one leading space, numbers, punctuation runs,
// whitespace); merges never cross pre-token boundaries, which is what makes a per-word cache exact.
//
// JSON format (models/tokenizer.json, fixtures/tokenizer.json):
//   {
//     "type": "byte-bpe",        // fixed
//     "version": 1,              // fixed
//     "pattern": "...",          // the pre-tokenisation regex source, compiled with flags "gu"
//     "merges": [[a, b], ...],   // merges[i] joins ids a and b (both < 256 + i) into id 256 + i; applied by rank
//     "specials": ["[MASK]"]     // after the merges; exactly ["[MASK]"] in version 1
//   }
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/read-file.js';
import { shown } from '../io/sanitize.js';

/** GPT-2's pre-tokenisation pattern; it matches every code point, so the pieces concatenate back to the input. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
export const MASK = '[MASK]';

export interface TokenizerJSON {
  type: 'byte-bpe';
  version: 1;
  pattern: string;
  merges: [number, number][];
  specials: string[];
}

// Pair (a, b) as one number key; ids stay below 2^16 (checked in the constructor).
const pairKey = (a: number, b: number): number => a * 65536 + b;
const CACHE_LIMIT = 200_000; // distinct pre-token words kept; the Austen corpus has ~20k

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: it is text, and decode must give it back
const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class Tokenizer {
  readonly pattern: string;
  private readonly merges: readonly (readonly [number, number])[];
  private readonly specials: readonly string[];
  private readonly ranks = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly regex: RegExp;
  private readonly cache = new Map<string, number[]>();

  constructor(
    merges: readonly (readonly [number, number])[],
    pattern = GPT2_PATTERN,
    specials: readonly string[] = [MASK],
  ) {
    if (specials.length !== 1 || specials[0] !== MASK)
      throw new InputError(`tokenizer: specials must be ["${MASK}"], got ${shown(specials)}`);
    if (256 + merges.length + specials.length > 65536)
      throw new InputError(`tokenizer: too many merges (${merges.length}); ids must stay below 65536`);
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.specials = [...specials];
    this.pattern = pattern;
    try {
      this.regex = new RegExp(pattern, 'gu');
    } catch (e) {
      throw new InputError(`tokenizer: bad pre-tokenisation pattern: ${(e as Error).message}`);
    }
    for (let i = 0; i < 256; i++) this.bytes.push(Uint8Array.of(i));
    this.merges.forEach(([a, b], i) => {
      const id = 256 + i;
      if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= id || b >= id) {
        throw new InputError(`tokenizer: merge ${i} = [${a}, ${b}] must join two earlier ids (< ${id})`);
      }
      const key = pairKey(a, b);
      if (this.ranks.has(key))
        throw new InputError(`tokenizer: merge ${i} = [${a}, ${b}] repeats merge ${this.ranks.get(key)}`);
      this.ranks.set(key, i);
      const joined = new Uint8Array(this.bytes[a]!.length + this.bytes[b]!.length);
      joined.set(this.bytes[a]!, 0);
      joined.set(this.bytes[b]!, this.bytes[a]!.length);
      this.bytes.push(joined);
    });
    for (const s of this.specials) this.bytes.push(utf8.encode(s));
  }

  static fromJSON(obj: unknown): Tokenizer {
    const o = obj as Partial<TokenizerJSON> | null;
    if (!o || typeof o !== 'object' || o.type !== 'byte-bpe' || o.version !== 1) {
      throw new InputError('tokenizer: not a byte-bpe tokenizer (expected {"type": "byte-bpe", "version": 1, ...})');
    }
    if (!Array.isArray(o.merges) || !o.merges.every((m) => Array.isArray(m) && m.length === 2)) {
      throw new InputError('tokenizer: "merges" must be an array of [a, b] pairs');
    }
    if (typeof o.pattern !== 'string' || !Array.isArray(o.specials))
      throw new InputError('tokenizer: "pattern" and "specials" are required');
    // a file's own regular expression could backtrack for ever on some prompt: version 1 files carry GPT-2's
    if (o.pattern !== GPT2_PATTERN)
      throw new InputError(
        'tokenizer: "pattern" must be GPT-2\'s pre-tokenisation pattern (the only one version 1 uses)',
      );
    return new Tokenizer(o.merges, o.pattern, o.specials);
  }

  /** Read a tokenizer.json synchronously; one-line errors that never quote the file. */
  static load(path: string): Tokenizer {
    return Tokenizer.fromJSON(readJsonFile(path, 'tokenizer'));
  }

  toJSON(): TokenizerJSON {
    return {
      type: 'byte-bpe',
      version: 1,
      pattern: this.pattern,
      merges: this.merges.map(([a, b]) => [a, b]),
      specials: [...this.specials],
    };
  }

  /** bytes + merges + specials */
  get vocabSize(): number {
    return 256 + this.merges.length + this.specials.length;
  }

  /** The one special token, always the last id. */
  get maskId(): number {
    return this.vocabSize - 1;
  }

  get mergeCount(): number {
    return this.merges.length;
  }

  /** The pre-token pieces of a text, in order; they concatenate back to the text. */
  pretokenize(text: string): string[] {
    return text.match(this.regex) ?? [];
  }

  /** Text → ids. Lone surrogates (not valid Unicode) become U+FFFD, as in TextEncoder. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of text.matchAll(this.regex)) {
      const ids = this.encodeWord(m[0]);
      for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
    }
    return out;
  }

  /** One pre-token piece → ids, cached (the same word always splits the same way). */
  encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = this.bpe(Array.from(utf8.encode(word)));
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** Apply merges by rank: repeatedly join every occurrence (left to right) of the lowest-ranked adjacent pair. */
  private bpe(ids: number[]): number[] {
    while (ids.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const [a, b] = this.merges[best]!;
      const merged: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          merged.push(256 + best);
          i++;
        } else merged.push(ids[i]!);
      }
      ids = merged;
    }
    return ids;
  }

  /** The bytes a token stands for; the mask's are the UTF-8 of "[MASK]" (so decode shows it). */
  tokenBytes(id: number): Uint8Array {
    const b = this.bytes[id];
    if (!Number.isInteger(id) || b === undefined)
      throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    return b;
  }

  /** Ids → text: concatenate the bytes, then decode UTF-8 (invalid sequences become U+FFFD). */
  decode(ids: readonly number[]): string {
    let n = 0;
    for (const id of ids) n += this.tokenBytes(id).length;
    const all = new Uint8Array(n);
    let at = 0;
    for (const id of ids) {
      const b = this.tokenBytes(id);
      all.set(b, at);
      at += b.length;
    }
    return lenient.decode(all);
  }

  /**
   * One token on its own, for display: its bytes decoded leniently, so a character it holds only part of shows as
   * U+FFFD. Text in context is grouped across tokens into whole characters by src/engine/model/characters.ts.
   */
  tokenText(id: number): string {
    if (id === this.maskId) return MASK;
    return lenient.decode(this.tokenBytes(id));
  }
}
