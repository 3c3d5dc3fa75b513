// The one sanitiser for strings that come from outside the program (prompt, names and values read from files,
// paths, error messages that quote them) on their way to a terminal, a plain-text stream or a recording.
// Control characters become visible escapes (ESC → \x1b), so that no input can move the cursor, set the title or
// the clipboard (OSC 52), or hide text; printable Unicode stays as it is. It lives in the engine because the
// engine names things (hardware and model names, error messages) and may not import the renderers.

/** C0 (incl. newline and tab), DEL, C1, bidirectional overrides and isolates, line/paragraph separators, lone
 * surrogates: everything that acts on a terminal or on the text around it instead of printing; and the invisible
 * format characters that print nothing yet change what a string is (a prompt or a name that looks like another):
 * soft hyphen, Mongolian vowel separator, zero-width space, word joiner and invisible operators, BOM, interlinear
 * annotation marks and the tag characters U+E0000–E007F (a surrogate pair here: the regex has no u flag so that it
 * can see lone surrogates). Joiners (ZWJ, ZWNJ) stay: they shape the visible characters around them (emoji, Persian). */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\ufff9-\ufffb]|\u034f|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  // a tag character is a surrogate pair: one escape for the code point (a lone surrogate is one code unit)
  const code = c.length === 2 ? c.codePointAt(0)! : c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : code > 0xffff
      ? `\\u{${code.toString(16)}}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** s with every unsafe character as a visible escape: "a\x1b]0;x\x07" prints as a\x1b]0;x\x07, on one line. */
export function visible(s: string): string {
  return String(s).replace(UNSAFE, escapeOne);
}

/** True when s holds a character visible() would escape (what the tests look for in output). */
export function hasUnsafe(s: string): boolean {
  return UNSAFE_ANY.test(s);
}
// the same class without /g: a test keeps no state between calls
const UNSAFE_ANY = new RegExp(UNSAFE.source);

/** The longest name shown (hardware, model): a name is a label, not a document. */
export const MAX_NAME = 80;

/** A name from a file: visible, on one line, at most MAX_NAME characters (… when cut). */
export function visibleName(s: string, max = MAX_NAME): string {
  const v = [...visible(s.trim())];
  return v.length > max ? v.slice(0, max - 1).join('') + '…' : v.join('');
}

// what JSON.stringify leaves raw (it escapes C0 and lone surrogates itself; its own newlines are layout)
const JSON_UNSAFE =
  /[\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\ufff9-\ufffb]|\u034f|\udb40[\udc00-\udc7f]/g;

/** Text that quotes strings as JSON (JSON.stringify(s) inside a line): the characters JSON leaves raw become \u
 * escapes (a tag character as its surrogate pair, as JSON writes it), which is what they read as inside those quotes. */
export function jsonSafeText(text: string): string {
  return text.replace(JSON_UNSAFE, (c) =>
    [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

// what prints nothing at all: the escaped characters above, plus white space, joiners and variation selectors
const INVISIBLE = new RegExp(
  `(?:${UNSAFE.source}|\\s|\\u200c|\\u200d|[\\ufe00-\\ufe0f]|\\u034f|\\u115f|\\u1160|\\u3164|\\uffa0)`,
  'g',
);

/** True when s shows nothing on a screen: empty, or only white space and invisible characters (a prompt must show). */
export function isInvisible(s: string): boolean {
  return String(s).replace(INVISIBLE, '') === '';
}

/** JSON.stringify whose output holds no raw control character: JSON escapes C0 itself; DEL, C1 and the rest
 * become \u escapes too (the same value for any JSON reader; nothing a terminal would act on, e.g. CSI as U+009B). */
export function safeJson(value: unknown, space?: number): string {
  return jsonSafeText(JSON.stringify(value, null, space));
}

/** A value from a file or flag, quoted in an error: JSON, visible, at most 40 characters (never a whole document). */
export function shown(v: unknown): string {
  const text = v === undefined ? 'nothing' : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  const chars = [...visible(text)];
  return chars.length > 40 ? chars.slice(0, 39).join('') + '…' : chars.join('');
}
