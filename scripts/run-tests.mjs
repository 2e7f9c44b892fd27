#!/usr/bin/env node
// @ts-check
/**
 * `npm test`: every pass runs, even when an earlier one fails; the exit code is non-zero if any failed.
 *
 *   1. typecheck   tsc -p tsconfig.check.json (sources, tests, examples, benchmarks)
 *   2. vitest      every test except the browser test (Neo4j/Chroma from test/global-setup.ts; models on demand)
 *   3. browser     the Next.js example in Chromium, in a vitest pass of its own (MEMOS_SKIP_SERVICES=1)
 *
 * `npm test -- <vitest args>` passes the arguments to pass 2 (for example a file filter) and skips pass 3.
 * Run through scripts/node24.mjs, so it always runs on Node >= 22.13.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const BROWSER_TEST = 'test/nextjs-chat.test.ts';

for (const bin of [TSC, VITEST]) {
  if (!fs.existsSync(bin)) {
    process.stderr.write(`[test] ${path.relative(ROOT, bin)} is missing: run \`npm install\` first\n`);
    process.exit(1);
  }
}

const extra = process.argv.slice(2);
/** @type {Array<{ name: string, args: string[], env?: Record<string, string> }>} */
const passes = [
  { name: 'typecheck', args: [TSC, '-p', 'tsconfig.check.json'] },
  { name: 'vitest', args: [VITEST, 'run', '--exclude', BROWSER_TEST, ...extra] },
];
if (extra.length === 0) passes.push({ name: 'browser (Next.js)', args: [VITEST, 'run', BROWSER_TEST], env: { MEMOS_SKIP_SERVICES: '1' } });

/** @type {import('node:child_process').ChildProcess | null} */
let current = null;
let interrupted = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    interrupted = true;
    current?.kill(signal);
  });
}

/** @param {{ name: string, args: string[], env?: Record<string, string> }} pass @returns {Promise<number>} */
function runPass(pass) {
  return new Promise((resolve) => {
    process.stderr.write(`\n[test] ${pass.name}: ${pass.args.map((a) => path.relative(ROOT, a) || a).join(' ')}\n`);
    const child = spawn(process.execPath, pass.args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...pass.env } });
    current = child;
    child.on('error', (e) => {
      process.stderr.write(`[test] ${pass.name}: could not start (${e.message})\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : (code ?? 1)));
  });
}

/** @type {string[]} */
const results = [];
let failed = 0;
for (const pass of passes) {
  if (interrupted) break;
  const t0 = Date.now();
  const code = await runPass(pass);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (code !== 0) failed++;
  results.push(`${pass.name} ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds} s`);
}
process.stderr.write(`\n[test] ${results.join(' | ')}${interrupted ? ' | interrupted' : ''}\n`);
process.exit(failed > 0 || interrupted ? 1 : 0);
