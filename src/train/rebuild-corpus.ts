// Rebuild the training corpus (austen.txt) byte-for-byte from Debian's r-cran-janeaustenr 1.0.0-1, so the project
// never depends on an unexplained file: download (or take) the .deb, unpack it, read the package's lazy-load data
// (Rdata.rdb + Rdata.rdx) with our R reader, join the novels, and check the sha256 that loadCorpus checks.
//
//   node --import tsx src/train/rebuild-corpus.ts [--deb FILE.deb | --rdb Rdata.rdb] [--out austen.txt]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_SHA256 } from './corpus.js';
import { readLazyLoadDB } from './rdata.js';
import { InputError, RunError, UsageError } from '../engine/io/errors.js';
import { PROCESS_IO, runCommand, type CommandIO } from '../commands/errors.js';
import { parseScriptArgs } from './script-args.js';

export const PACKAGE = 'r-cran-janeaustenr';
export const VERSION = '1.0.0-1';
export const RDB_PATH = 'usr/lib/R/site-library/janeaustenr/data/Rdata.rdb';
/** The package's object names (see its Rdata.rdx), in corpus.ts NOVELS order: Emma … Sense and Sensibility. */
export const OBJECTS = [
  'emma',
  'mansfieldpark',
  'northangerabbey',
  'persuasion',
  'prideprejudice',
  'sensesensibility',
] as const;

const USAGE = 'usage: rebuild-corpus [--deb FILE.deb | --rdb Rdata.rdb] [--out austen.txt]';

/**
 * The join rule: every line of every novel, in order, followed by "\n" — what R's writeLines(c(emma, mansfieldpark,
 * …)) writes. Equivalently each novel's lines joined with "\n", the novels joined with "\n", plus one final "\n".
 */
export function joinNovels(novels: readonly (readonly (string | null)[])[]): string {
  const parts: string[] = [];
  for (const lines of novels) {
    for (const l of lines) {
      if (l === null) throw new InputError('a novel holds NA_character_; the package data is not the expected one');
      parts.push(l, '\n');
    }
  }
  return parts.join('');
}

/** The corpus bytes from a lazy-load database: the OBJECTS character vectors, joined by joinNovels, as UTF-8. */
export function corpusFromLazyLoad(rdb: Uint8Array, rdx: Uint8Array, objects: readonly string[] = OBJECTS): Buffer {
  const db = readLazyLoadDB(rdb, rdx);
  const novels = objects.map((name) => {
    const o = db.get(name);
    if (!o) throw new InputError(`Rdata has no object "${name}" (has: ${[...db.keys()].join(', ')})`);
    if (o.type !== 'character')
      throw new InputError(`Rdata object "${name}" is a ${o.type}, expected a character vector`);
    return o.value;
  });
  return Buffer.from(joinNovels(novels), 'utf8');
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Run a command; return its stdout, or throw one line naming the command and its last stderr line. */
function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error)
    throw new RunError(
      `${cmd}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (needs Debian/Ubuntu tools)' : r.error.message}`,
    );
  if (r.status !== 0) {
    const last =
      (r.stderr || r.stdout)
        .trim()
        .split('\n')
        .filter((l) => !/^W: /.test(l))
        .pop() ?? `exit ${r.status}`;
    throw new RunError(`${cmd} ${args.join(' ')}: ${last}`);
  }
  return r.stdout;
}

/** apt-get download the pinned package into dir; on failure refresh the lists once (needs root) and retry. */
function downloadDeb(dir: string): string {
  const args = ['download', `${PACKAGE}=${VERSION}`];
  // apt drops to the _apt user to write, which can't enter a private temp dir; as root, download as root instead.
  if (process.getuid?.() === 0) args.unshift('-o', 'APT::Sandbox::User=root');
  try {
    run('apt-get', args, dir);
  } catch (first) {
    if (first instanceof RunError && /not installed/.test(first.message)) throw first;
    process.stderr.write(
      `apt-get download failed (${(first as Error).message}); running apt-get update and retrying\n`,
    );
    run('apt-get', ['update'], dir);
    run('apt-get', args, dir);
  }
  const deb = readdirSync(dir).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) throw new RunError(`apt-get download left no ${PACKAGE}_*.deb in ${dir}`);
  return join(dir, deb);
}

/** Unpack the .deb with dpkg-deb -x into dir; return the path of Rdata.rdb inside. */
function unpackDeb(deb: string, dir: string): string {
  if (!existsSync(deb)) throw new InputError(`no such file: ${deb}`);
  const root = join(dir, 'root');
  run('dpkg-deb', ['-x', resolve(deb), root], dir);
  const rdb = join(root, RDB_PATH);
  if (!existsSync(rdb)) throw new InputError(`${deb} has no ${RDB_PATH}; is it ${PACKAGE} ${VERSION}?`);
  return rdb;
}

function readPair(rdbPath: string): { rdb: Buffer; rdx: Buffer } {
  const rdxPath = rdbPath.replace(/\.rdb$/, '') + '.rdx';
  for (const p of [rdbPath, rdxPath])
    if (!existsSync(p)) throw new InputError(`no such file: ${p} (the .rdx index must sit next to the .rdb)`);
  return { rdb: readFileSync(rdbPath), rdx: readFileSync(rdxPath) };
}

export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  let tmp: string | null = null;
  return runCommand(
    'rebuild-corpus',
    async () => {
      try {
        const { values } = parseScriptArgs(
          {
            args: argv,
            options: {
              deb: { type: 'string' },
              rdb: { type: 'string' },
              out: { type: 'string' },
              help: { type: 'boolean', short: 'h' },
            },
            strict: true,
            allowPositionals: false,
          },
          USAGE,
        );
        if (values.help) {
          io.out(
            `${USAGE}\nWithout --deb/--rdb it runs apt-get download ${PACKAGE}=${VERSION}. Writes the corpus only if its sha256 is ${CORPUS_SHA256}.\n`,
          );
          return 0;
        }
        if (values.deb && values.rdb) throw new UsageError(`give --deb or --rdb, not both; ${USAGE}`);
        const out = resolve(values.out ?? 'austen.txt');

        let rdbPath = values.rdb;
        if (!rdbPath) {
          tmp = mkdtempSync(join(tmpdir(), 'janeaustenr-'));
          const deb = values.deb ?? downloadDeb(tmp);
          rdbPath = unpackDeb(deb, tmp);
        }
        const { rdb, rdx } = readPair(rdbPath);
        const corpus = corpusFromLazyLoad(rdb, rdx);
        const sha = sha256(corpus);
        if (sha !== CORPUS_SHA256)
          throw new InputError(`rebuilt corpus has sha256 ${sha}, expected ${CORPUS_SHA256}; not written`);
        // write then rename, so a reader never sees half a corpus
        const part = `${out}.part`;
        writeFileSync(part, corpus);
        renameSync(part, out);
        io.out(`wrote ${out}: ${corpus.length} bytes, sha256 ${sha} (matches)\n`);
        return 0;
      } finally {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
    },
    io,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
