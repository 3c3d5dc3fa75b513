// npm run build: src/ (less src/train, which runs from source) → dist/, file for file, TypeScript and JSX compiled
// by esbuild. No bundling: dist/ mirrors src/, so paths relative to a module (models/, fixtures/, package.json)
// stay the same, and the dynamic imports that keep start-up fast stay separate files. Types: npm run typecheck.
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

/** every .ts/.tsx under dir, except tests' and training's */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return relative(src, p) === 'train' ? [] : sources(p);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: sources(src),
  outdir: join(root, 'dist'),
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warning',
});
