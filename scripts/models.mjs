#!/usr/bin/env node
// @ts-check
/**
 * `npm run models` — makes the GGUF models of the tests and benchmarks available (see scripts/models-lib.mjs).
 *
 *   node scripts/models.mjs [fetch] [minilm|smollm2 …]   find or fetch (default: all), print id, path and source
 *   node scripts/models.mjs status                        where each model is found, without fetching
 *
 * Exit codes: 0 ok, 1 a model could not be obtained (the message says what was tried), 2 usage.
 */
import { MODELS, ensureModel, findModel } from './models-lib.mjs';

const log = (/** @type {string} */ m) => process.stderr.write(`[models] ${m}\n`);
const [first, ...rest] = process.argv.slice(2);
const command = first === 'status' || first === 'fetch' ? first : 'fetch';
const ids = (first === 'status' || first === 'fetch' ? rest : process.argv.slice(2)).filter(Boolean);
const known = Object.keys(MODELS);
const unknown = ids.filter((id) => !known.includes(id));
if (unknown.length > 0 || ids.some((id) => id.startsWith('-'))) {
  process.stderr.write(`usage: node scripts/models.mjs [fetch|status] [${known.join('|')} …]\n`);
  process.exit(2);
}

const t0 = Date.now();
let failed = false;
for (const id of ids.length > 0 ? ids : known) {
  const spec = /** @type {Record<string, (typeof MODELS)[keyof typeof MODELS]>} */ (MODELS)[id];
  if (!spec) continue;
  try {
    if (command === 'status') {
      const found = await findModel(id, { log });
      console.log(`${id}\t${found ? `${found.path}\t(${found.from})` : `missing\t(npm run models fetches ${spec.file})`}`);
      if (!found) failed = true;
    } else {
      const before = await findModel(id, { log });
      const file = before ? before.path : await ensureModel(id, { log });
      console.log(`${id}\t${file}\t(${before ? before.from : 'fetched'})`);
    }
  } catch (e) {
    failed = true;
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  }
}
if (command === 'fetch') log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
