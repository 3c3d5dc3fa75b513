// Module hooks for trace-imports.mjs: log each resolved URL, change nothing.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.DLM_WATCH_TRACE) appendFileSync(process.env.DLM_WATCH_TRACE, `${r.url}\n`);
  return r;
}
