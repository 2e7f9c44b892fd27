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

/**
 * @typedef {object} Pass
 * @property {string} name
 * @property {string[]} args  arguments of `node` (the running Node runs every pass)
 * @property {Record<string, string>} [env]
 */

/** The passes of `npm test` (extra arguments go to the main vitest pass and drop the browser pass). @param {string[]} extra */
export function testPasses(extra) {
  /** @type {Pass[]} */
  const passes = [
    { name: 'typecheck', args: [TSC, '-p', 'tsconfig.check.json'] },
    { name: 'vitest', args: [VITEST, 'run', '--exclude', BROWSER_TEST, ...extra] },
  ];
  if (extra.length === 0) passes.push({ name: 'browser (Next.js)', args: [VITEST, 'run', BROWSER_TEST], env: { MEMOS_SKIP_SERVICES: '1' } });
  return passes;
}

/**
 * Runs every pass in order, whatever the earlier ones returned; prints one summary line.
 * @param {Pass[]} passes @param {{ log?: (line: string) => void }} [opts]
 * @returns {Promise<{ failed: string[], code: number }>} code 0 only when every pass exited 0
 */
export async function runPasses(passes, opts = {}) {
  const log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  /** @type {import('node:child_process').ChildProcess | null} */
  let current = null;
  let interrupted = false;
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    interrupted = true;
    current?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  /** @type {string[]} */
  const results = [];
  /** @type {string[]} */
  const failed = [];
  try {
    for (const pass of passes) {
      if (interrupted) break;
      const t0 = Date.now();
      log(`\n[test] ${pass.name}: ${pass.args.map((a) => path.relative(ROOT, a) || a).join(' ')}`);
      const code = await new Promise((resolve) => {
        const child = spawn(process.execPath, pass.args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...pass.env } });
        current = child;
        child.on('error', (e) => {
          log(`[test] ${pass.name}: could not start (${e.message})`);
          resolve(1);
        });
        child.on('exit', (c, signal) => resolve(signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : (c ?? 1)));
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      if (code !== 0) failed.push(pass.name);
      results.push(`${pass.name} ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds} s`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) failed.push('interrupted');
  log(`\n[test] ${results.join(' | ')}${interrupted ? ' | interrupted' : ''}`);
  return { failed, code: failed.length > 0 ? 1 : 0 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const bin of [TSC, VITEST]) {
    if (!fs.existsSync(bin)) {
      process.stderr.write(`[test] ${path.relative(ROOT, bin)} is missing: run \`npm install\` first\n`);
      process.exit(1);
    }
  }
  const { code } = await runPasses(testPasses(process.argv.slice(2)));
  process.exit(code);
}
