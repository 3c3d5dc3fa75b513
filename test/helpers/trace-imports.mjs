// node --import ./test/helpers/trace-imports.mjs …: appends every module URL the program resolves to
// $DLM_WATCH_TRACE (used by test/imports.test.ts to check what a command loads).
import { register } from 'node:module';

register('./trace-hooks.mjs', import.meta.url);
