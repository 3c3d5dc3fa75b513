// The projection's old single module, kept as an index so callers' imports keep working: the four jobs live in
// target.ts (what to price on), projection.ts (passes and schedules), generation.ts (calc's AR-vs-diffusion price)
// and worked-example.ts (the article's figures against ours).
export * from './target.js';
export * from './projection.js';
export * from './totals.js';
export * from './generation.js';
export * from './worked-example.js';
