// npm run build: src/ (less src/train, which runs from source) → dist/, file for file, TypeScript and JSX compiled
// by esbuild. Our own code is not bundled: dist/ mirrors src/, so paths relative to a module (models/, fixtures/,
// package.json) stay the same, and the dynamic imports that keep start-up fast stay separate files. The view's
// libraries (ink, React and their ~100 modules) are bundled into one file, dist/vendor/ui.js, that the view's modules
// import instead: resolving and reading them one by one cost the live view's first frame about a second.
// Types: npm run typecheck.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
/** the bundle of the view's libraries, and the packages it holds */
const VENDOR = join(dist, 'vendor', 'ui.js');
const VENDORED = ['ink', 'react', 'react/jsx-runtime'];

/** every .ts/.tsx under dir, except tests' and training's */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return relative(src, p) === 'train' ? [] : sources(p);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

const quoted = VENDORED.map((p) => p.replace('/', '\\/')).join('|');
const NAMED = new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*"(${quoted})";$`, 'gm');
const ANY = new RegExp(`["'](${quoted})["']`, 'g');

/** Point a compiled module's imports of the vendored packages at the bundle; collect the names it takes. A form the
 *  bundle cannot serve (a default or namespace import, a re-export) fails the build. */
function rewrite(file, text, wanted) {
  const rel = relative(dirname(file), VENDOR);
  let named = 0;
  const out = text.replace(NAMED, (_, names, pkg) => {
    named++;
    for (const n of names
      .split(',')
      .map((s) => s.trim().split(/\s+as\s+/)[0])
      .filter(Boolean))
      if (!wanted.has(n)) wanted.set(n, pkg);
    return `import {${names}} from "${rel.startsWith('.') ? rel : `./${rel}`}";`;
  });
  const all = text.match(ANY)?.length ?? 0;
  if (all !== named)
    throw new Error(`${relative(root, file)}: import ${VENDORED.join(', ')} only as import { … } from "…"`);
  return out;
}

rmSync(dist, { recursive: true, force: true });
const compiled = await build({
  entryPoints: sources(src),
  outdir: dist,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warning',
  write: false,
});
/** name → the package it comes from (the first one asked: Fragment is React's under either name) */
const wanted = new Map();
for (const f of compiled.outputFiles) {
  mkdirSync(dirname(f.path), { recursive: true });
  writeFileSync(f.path, rewrite(f.path, f.text, wanted));
}

const byPackage = VENDORED.map((p) => [p, [...wanted].filter(([, q]) => q === p).map(([n]) => n)]);
await build({
  stdin: {
    contents: byPackage
      .filter(([, names]) => names.length)
      .map(([p, names]) => `export { ${names.join(', ')} } from '${p}';`)
      .join('\n'),
    resolveDir: root,
    sourcefile: 'vendor-ui.js',
  },
  outfile: VENDOR,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // React's production build (the development one costs the view several times more per frame)
  define: { 'process.env.NODE_ENV': '"production"' },
  // the CommonJS inside (React) requires Node's own modules
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  plugins: [
    {
      // yoga (ink's layout, WebAssembly inlined as base64) reads its own bytes with fetch() of a data: URL where fetch
      // exists: on Node that loads undici, tens of ms of the first frame; its plain base64 decoding does the same
      name: 'yoga-without-fetch',
      setup(b) {
        b.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, ({ path }) => {
          const text = readFileSync(path, 'utf8');
          const via = 'w||"function"!=typeof fetch?';
          if (text.split(via).length !== 2) throw new Error(`${path}: yoga's wasm loading changed; see build.mjs`);
          return { contents: text.replace(via, 'w||!0?'), loader: 'js' };
        });
      },
    },
    {
      // ink loads React DevTools only under DEV=true and warns when the package is not installed, as it is not
      name: 'no-devtools',
      setup(b) {
        b.onResolve({ filter: /^\.\/devtools\.js$/ }, () => ({ path: 'devtools', namespace: 'no-devtools' }));
        b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
          contents:
            "const e = new Error('react-devtools-core is not installed'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;",
        }));
      },
    },
  ],
  logLevel: 'warning',
});
