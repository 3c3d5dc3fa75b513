// The code corpus: the pure-Python standard library of CPython 3.11 as Debian ships it (PSF licence), rebuilt
// byte-for-byte from two pinned .deb packages so the project never depends on an unexplained file; one document per
// source file, validation held out by top-level module (never a file of a module the model trained on).
//
//   node --import tsx src/train/code-corpus.ts [--deb-dir DIR] [--out checkpoints/corpus/python-stdlib.txt]
//
// downloads (apt-get download) or takes from --deb-dir the two packages below, unpacks them with dpkg-deb, joins every
// kept .py file in path order (each preceded by a header line naming it), and writes nothing unless the sha256
// matches. Why this corpus: code is where diffusion LMs are used and where parallel decoding pays (issue 19).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../engine/io/atomic-write.js';
import { CorpusError } from './corpus.js';

/** Debian bookworm's CPython 3.11: -minimal holds the core modules (os, re, …), -stdlib the rest. */
export const PACKAGES = ['libpython3.11-minimal', 'libpython3.11-stdlib'] as const;
export const VERSION = '3.11.2-6+deb12u9';
export const LIB = 'usr/lib/python3.11';
/** Generated files, not code anyone wrote: pydoc's topic dump (one 756 kB string) and the codec tables. */
export const EXCLUDED = [/^pydoc_data\//, /^encodings\/(?!__init__|aliases)/];
/** 1 in VALID_MODULUS top-level modules (by sha256 of the name) is validation: ~5 % of the files, whole modules. */
export const VALID_MODULUS = 20;
export const HEADER = '# ==== ';
export const CODE_CORPUS_SHA256 = 'af08e3c7d3ea4e7a08f4993490fd0c041709cb1c9fe9a61ba6a14875ac88845e';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_CODE_CORPUS = resolve(REPO_ROOT, 'checkpoints/corpus/python-stdlib.txt');
export const CODE_REBUILD_NOTE = `rebuild it with \`node --import tsx src/train/code-corpus.ts\` (Debian ${PACKAGES.join(' + ')} ${VERSION})`;

export interface CodeFile {
  /** path under usr/lib/python3.11, e.g. "json/decoder.py" */
  path: string;
  text: string;
}

/** Keep a path: a .py file that is not generated. */
export function kept(path: string): boolean {
  return path.endsWith('.py') && !EXCLUDED.some((re) => re.test(path));
}

/** The join rule: for each file in path order, HEADER + path + "\n", then its text, ending in "\n". */
export function joinFiles(files: readonly CodeFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted
    .map((f) => `${HEADER}${f.path}\n${f.text.endsWith('\n') || f.text === '' ? f.text : f.text + '\n'}`)
    .join('');
}

/** The inverse of joinFiles: the files, in order (each text without its header line). */
export function splitFiles(corpus: string): CodeFile[] {
  const out: CodeFile[] = [];
  const re = new RegExp(`^${HEADER.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(.+)\\n`, 'gm');
  const heads = [...corpus.matchAll(re)];
  if (heads.length === 0 || heads[0]!.index !== 0)
    throw new CorpusError(`code corpus: expected a "${HEADER.trim()}" line first; ${CODE_REBUILD_NOTE}`);
  heads.forEach((h, i) => {
    const start = h.index! + h[0].length;
    const end = i + 1 < heads.length ? heads[i + 1]!.index! : corpus.length;
    out.push({ path: h[1]!, text: corpus.slice(start, end) });
  });
  return out;
}

/** A file's module: its top-level package or module name ("json/decoder.py" → "json", "os.py" → "os"). */
export function moduleOf(path: string): string {
  return path.split('/')[0]!.replace(/\.py$/, '');
}

/** Validation holds whole top-level modules: those whose sha256(name)'s first byte ≡ 0 (mod VALID_MODULUS). */
export function isValidModule(module: string): boolean {
  return createHash('sha256').update(module).digest()[0]! % VALID_MODULUS === 0;
}

/** Read and verify the code corpus; train and valid are texts, one per file (the header line kept, as trained). */
export function loadCodeCorpus(path: string = DEFAULT_CODE_CORPUS): {
  train: string[];
  valid: string[];
  paths: { train: string[]; valid: string[] };
} {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new CorpusError(
      `code corpus not found at ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); ${CODE_REBUILD_NOTE}`,
    );
  }
  const sha = createHash('sha256').update(buf).digest('hex');
  if (sha !== CODE_CORPUS_SHA256)
    throw new CorpusError(
      `code corpus ${path} has sha256 ${sha.slice(0, 12)}…, expected ${CODE_CORPUS_SHA256.slice(0, 12)}…; ${CODE_REBUILD_NOTE}`,
    );
  const files = splitFiles(buf.toString('utf8'));
  const train = files.filter((f) => !isValidModule(moduleOf(f.path)));
  const valid = files.filter((f) => isValidModule(moduleOf(f.path)));
  const doc = (f: CodeFile) => `${HEADER}${f.path}\n${f.text}`;
  return {
    train: train.map(doc),
    valid: valid.map(doc),
    paths: { train: train.map((f) => f.path), valid: valid.map((f) => f.path) },
  };
}

/** Every kept file under LIB in an unpacked package tree. */
function filesUnder(root: string): CodeFile[] {
  const lib = join(root, LIB);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const p = join(dir, d.name);
      // a symlink in the package is not a source file of its own
      if (d.isSymbolicLink()) return [];
      return d.isDirectory() ? walk(p) : [p];
    });
  return walk(lib)
    .map((p) => relative(lib, p))
    .filter(kept)
    .map((p) => ({ path: p, text: readFileSync(join(lib, p), 'utf8') }));
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0)
    throw new CorpusError(
      `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`,
    );
}

/** Download (or take from debDir) the pinned packages, unpack them, and join their kept files. */
export function rebuildCodeCorpus(debDir?: string): { text: string; files: number } {
  const work = mkdtempSync(join(tmpdir(), 'dlm-code-corpus-'));
  try {
    const dir = debDir ?? work;
    if (!debDir) for (const p of PACKAGES) run('apt-get', ['download', `${p}=${VERSION}`], work);
    const tree = join(work, 'tree');
    for (const p of PACKAGES) {
      const deb = readdirSync(dir).find(
        (f) => f.startsWith(`${p}_${VERSION.replace(/:/g, '%3a')}_`) && f.endsWith('.deb'),
      );
      if (!deb) throw new CorpusError(`no ${p}_${VERSION}_*.deb in ${dir}`);
      run('dpkg-deb', ['-x', join(dir, deb), tree], work);
    }
    const files = filesUnder(tree);
    return { text: joinFiles(files), files: files.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: a } = parseArgs({
    options: { 'deb-dir': { type: 'string' }, out: { type: 'string', default: DEFAULT_CODE_CORPUS } },
  });
  try {
    const { text, files } = rebuildCodeCorpus(a['deb-dir']);
    const sha = createHash('sha256').update(text).digest('hex');
    if (sha !== CODE_CORPUS_SHA256 && !process.env.DLM_PIN_CORPUS)
      throw new CorpusError(`rebuilt code corpus has sha256 ${sha}, expected ${CODE_CORPUS_SHA256}: not written`);
    mkdirSync(dirname(resolve(a.out!)), { recursive: true });
    writeFileAtomic(a.out!, text);
    const bytes = Buffer.byteLength(text);
    console.log(`wrote ${a.out}: ${files} files, ${bytes} bytes, sha256 ${sha}`);
  } catch (e) {
    process.stderr.write(`code-corpus: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
