// Does generated code parse? Python's own tokenizer and parser judge it (issue 19's code quality measure): one python3
// process reads the snippets as JSON lines and answers, for each, whether `tokenize` and `ast.parse` accept it.
// Used by eval and sweep on the code family (said as "–" without python3): the tool itself never needs Python.
import { spawnSync } from 'node:child_process';

const CHECK = `
import ast, io, json, sys, tokenize
for line in sys.stdin:
    src = json.loads(line)
    try:
        list(tokenize.generate_tokens(io.StringIO(src).readline))
        ast.parse(src)
        ok = True
    except (SyntaxError, tokenize.TokenError, ValueError, IndentationError, RecursionError, MemoryError):
        ok = False
    print(json.dumps(ok), flush=True)
`;

/** For each snippet: true when Python 3 tokenizes and parses it (python: the interpreter, default python3). */
export function pythonParses(snippets: readonly string[], python = 'python3'): boolean[] {
  if (snippets.length === 0) return [];
  const r = spawnSync(python, ['-c', CHECK], {
    input: snippets.map((s) => JSON.stringify(s)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0)
    throw new Error(
      `${python} could not check the code: ${(r.stderr || r.error?.message || 'no answer').trim().split('\n').at(-1)}`,
    );
  const out = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as boolean);
  if (out.length !== snippets.length)
    throw new Error(`${python} answered ${out.length} of ${snippets.length} snippets`);
  return out;
}

/** Parse rate: the share of snippets that parse (null without snippets). */
export function parseRate(snippets: readonly string[], python?: string): number | null {
  if (snippets.length === 0) return null;
  const ok = pythonParses(snippets, python);
  return ok.filter(Boolean).length / ok.length;
}

/** What a parse check reads of generated code: up to its last complete line (generation stops at a token count, so
 * the last line is usually cut mid-statement; a code benchmark's stop sequences cut at a line end too). */
export function completeLines(code: string): string {
  const end = code.lastIndexOf('\n');
  return end < 0 ? code : code.slice(0, end + 1);
}
