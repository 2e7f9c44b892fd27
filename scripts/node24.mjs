#!/usr/bin/env node
/**
 * Runs `node <args…>` on a Node that satisfies the project's engines (>= 22.13).
 *
 *   node scripts/node24.mjs [node flags] script [args…]   what the npm scripts (start, test, bench:*) go through
 *   node scripts/node24.mjs --notice                       one line when the running Node is too old (postinstall)
 *
 * On Node >= 22.13 it simply runs the command with the running Node. On an older Node (the system Node 20 of
 * many machines) it installs Node 24 LTS from the npm registry (`npm install --prefix .node node@24`, the
 * package that ships the official binary; about 60 MB, once) into the clone's `.node/`, says so in one line,
 * and runs the command under it with `.node/node_modules/node/bin` first on PATH (so child processes that
 * call `node` get Node 24 too).
 *
 * Plain JavaScript with nothing newer than Node 14 syntax, so that it runs on the old Node it replaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED = [22, 13, 0];
const REQUIRED_TEXT = '>=22.13';
const PACKAGE = 'node@24';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PREFIX = path.join(ROOT, '.node');
const BIN_DIR = path.join(PREFIX, 'node_modules', 'node', 'bin');
const LOCAL_NODE = path.join(BIN_DIR, process.platform === 'win32' ? 'node.exe' : 'node');

/** @param {string} version e.g. 'v20.20.2' */
function satisfies(version) {
  const parts = String(version).replace(/^v/, '').split('.').map((x) => Number(x) || 0);
  for (let i = 0; i < REQUIRED.length; i++) {
    if ((parts[i] || 0) > REQUIRED[i]) return true;
    if ((parts[i] || 0) < REQUIRED[i]) return false;
  }
  return true;
}

/** Version of a node binary, or '' when it does not run. @param {string} bin */
function versionOf(bin) {
  if (!fs.existsSync(bin)) return '';
  const r = spawnSync(bin, ['-p', 'process.version'], { encoding: 'utf8' });
  return r.status === 0 ? String(r.stdout).trim() : '';
}

/** @param {string} message */
function say(message) {
  process.stderr.write(`[memos] ${message}\n`);
}

function fail(message) {
  say(message);
  process.exit(1);
}

/** npm as the user invoked it (npm sets npm_execpath for scripts), else `npm` on PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /\.(c?js|mjs)$/.test(cli) && fs.existsSync(cli)) return { cmd: process.execPath, pre: [cli] };
  return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', pre: [] };
}

const args = process.argv.slice(2);
const old = !satisfies(process.version);

if (args[0] === '--notice') {
  if (old) {
    const local = versionOf(LOCAL_NODE);
    say(
      `Node ${process.version} is older than this project's ${REQUIRED_TEXT} (hence npm's EBADENGINE warnings): npm start, npm test and the benchmarks run under ` +
        (satisfies(local) ? `Node ${local} from .node/` : `Node 24 from the npm registry (${PACKAGE}, installed into .node/ on first use)`) +
        '.',
    );
  }
  process.exit(0);
}
if (args.length === 0) fail('usage: node scripts/node24.mjs [node flags] script [args…]');

let node = process.execPath;
let env = process.env;
if (old) {
  let local = versionOf(LOCAL_NODE);
  if (satisfies(local)) {
    say(`Node ${process.version} is older than this project's ${REQUIRED_TEXT}: running under Node ${local} from .node/`);
  } else {
    say(`Node ${process.version} is older than this project's ${REQUIRED_TEXT}: installing Node 24 (npm package ${PACKAGE}) into .node/ and running under it`);
    const npm = npmCommand();
    const install = spawnSync(
      npm.cmd,
      // node@24 puts the binary in place with its own install script, so scripts must run here.
      npm.pre.concat(['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts=false', PACKAGE]),
      // Output kept back (shown only on failure): the command's own output stays clean.
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: cleanNpmEnv(process.env) },
    );
    local = versionOf(LOCAL_NODE);
    if (install.status !== 0 || !satisfies(local)) {
      process.stderr.write(`${install.stdout || ''}${install.stderr || ''}`);
      fail(
        `could not install ${PACKAGE} into .node/ (npm exited with ${install.error ? install.error.message : install.status}). ` +
          `Install Node ${REQUIRED_TEXT} yourself (https://nodejs.org, nvm, or \`npm install --prefix .node ${PACKAGE}\`) and run the command again.`,
      );
    }
  }
  node = LOCAL_NODE;
  env = Object.assign({}, process.env, { PATH: BIN_DIR + path.delimiter + (process.env.PATH || '') });
}

const child = spawn(node, args, { stdio: 'inherit', env });
// Ctrl-C reaches the child through the terminal's process group; the launcher only waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGHUP', () => child.kill('SIGHUP'));
child.on('error', (e) => fail(`could not run ${node}: ${e.message}`));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 1 : code);
});

/**
 * The environment for the nested `npm install`: the outer npm run's settings that would redirect or limit it
 * (prefix, workspaces, global, save/omit/ignore-scripts flags) are dropped; network settings (registry, proxy,
 * certificates, retries) are kept.
 * @param {NodeJS.ProcessEnv} source
 */
function cleanNpmEnv(source) {
  const drop = /^npm_config_(prefix|local_prefix|global|location|workspaces?|include_workspace_root|dry_run|package_lock(_only)?|save.*|omit|include|production|only|ignore_scripts|engine_strict)$/i;
  const out = {};
  for (const key of Object.keys(source)) if (!drop.test(key)) out[key] = source[key];
  return out;
}
