// A model folder's model.json, read and its config checked without tfjs and without the weights: what a front end
// needs to lay a run out (lengths, lanes, titles) and draw it while the weights load (weights.ts reads those).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/read-file.js';
import { visible } from '../io/sanitize.js';
import { validateGptConfig } from '../price/model-config.js';
import { fileInFolder } from './model-folder.js';
import type { ModelJson } from './weights.js';

/** model.json of a folder: a dlm-watch model with a valid config (its manifest and weights are weights.ts's to check). */
export function readModelFile(dir: string): ModelJson {
  if (!existsSync(join(dir, 'model.json'))) throw new InputError(`no model at ${visible(dir)} (model.json not found)`);
  // model.json itself may not be a link out of the folder, like every file it names
  const path = fileInFolder(dir, 'model.json', 'model file');
  const where = visible(join(dir, 'model.json'));
  const json = readJsonFile(path, 'model file') as ModelJson;
  if (!json || typeof json !== 'object' || json.format !== 'dlm-watch/gpt' || !json.weightsManifest || !json.config)
    throw new InputError(`${where} is not a dlm-watch model`);
  json.config = validateGptConfig(json.config, where);
  return json;
}
