#!/usr/bin/env node
// @ts-check
/**
 * Real Neo4j + Chroma + Redis for development and tests, without Docker.
 *
 *   node scripts/services.mjs start   [neo4j|chroma|redis]   install what is missing, start, wait until ready
 *   node scripts/services.mjs stop    [neo4j|chroma|redis]   stop by the recorded PID
 *   node scripts/services.mjs restart [neo4j|chroma|redis]   restart on the same port with the same data
 *   node scripts/services.mjs status  [neo4j|chroma|redis]   exit code 0 when all named services run and answer
 *   node scripts/services.mjs install [neo4j|chroma|redis]   only install (Maven build / pip venv / apt-get
 *                                                             redis-server when missing)
 * Without a name: all three.
 *
 * Environment: MEMOS_NEO4J_PORT / MEMOS_CHROMA_PORT / MEMOS_REDIS_PORT (fixed ports; default: free ones),
 * MEMOS_SERVICES_START_TIMEOUT_MS, MEMOS_SERVICES_CACHE, MEMOS_JAVA, MEMOS_MVN, MEMOS_PYTHON, MEMOS_REDIS_SERVER,
 * MEMOS_NEO4J_JAVA_OPTS. State: .cache/services/state.json = { neo4j: { url, pid, … }, chroma: …, redis: … }.
 */
import {
  ensureInstalled,
  readState,
  restartService,
  servicePaths,
  startServices,
  statusServices,
  stopServices,
} from './services-lib.mjs';

const USAGE = 'usage: node scripts/services.mjs start|stop|restart|status|install [neo4j|chroma|redis]';

/** @param {string | undefined} v @param {string} name */
function portFromEnv(v, name) {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}

/** @param {string | undefined} arg @returns {Array<'neo4j' | 'chroma' | 'redis'>} */
function parseWhich(arg) {
  if (arg === undefined || arg === 'all') return ['neo4j', 'chroma', 'redis'];
  if (arg === 'neo4j' || arg === 'chroma' || arg === 'redis') return [arg];
  throw new Error(`unknown service "${arg}"\n${USAGE}`);
}

/** @param {{ neo4j?: { url: string }, chroma?: { url: string }, redis?: { url: string } }} state */
function printExports(state) {
  if (state.neo4j) console.log(`export MEMOS_NEO4J_URL=${state.neo4j.url}`);
  if (state.chroma) console.log(`export MEMOS_CHROMA_URL=${state.chroma.url}`);
  if (state.redis) console.log(`export MEMOS_REDIS_URL=${state.redis.url}`);
}

async function main() {
  const [cmd, svc, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '-h' || cmd === '--help' || rest.length > 0) {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const which = parseWhich(svc);
  const log = (/** @type {string} */ m) => {
    process.stderr.write(`[services] ${m}\n`);
  };
  const stateFile = servicePaths().stateFile;

  switch (cmd) {
    case 'install': {
      const t0 = Date.now();
      await ensureInstalled({ which, log });
      log(`installed (${which.join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'start': {
      const t0 = Date.now();
      const state = await startServices({
        which,
        log,
        ports: {
          neo4j: portFromEnv(process.env.MEMOS_NEO4J_PORT, 'MEMOS_NEO4J_PORT'),
          chroma: portFromEnv(process.env.MEMOS_CHROMA_PORT, 'MEMOS_CHROMA_PORT'),
          redis: portFromEnv(process.env.MEMOS_REDIS_PORT, 'MEMOS_REDIS_PORT'),
        },
      });
      for (const name of which) {
        const e = state[name];
        if (e) console.log(`${name.padEnd(6)} ${e.url}  (pid ${e.pid})`);
      }
      printExports(state);
      log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s; state in ${stateFile}`);
      return 0;
    }
    case 'stop': {
      const state = readState(stateFile);
      /** @type {typeof state} */
      const selected = {};
      for (const name of which) if (state[name]) selected[name] = state[name];
      if (Object.keys(selected).length === 0) {
        log(`nothing to stop (${which.join(', ')} not in ${stateFile})`);
        return 0;
      }
      await stopServices(selected, { log });
      return 0;
    }
    case 'restart': {
      const state = readState(stateFile);
      for (const name of which) {
        if (!state[name]) throw new Error(`${name} is not in ${stateFile}; use "start" first`);
        const e = await restartService(name, state, { log });
        console.log(`${name.padEnd(6)} ${e.url}  (pid ${e.pid})`);
      }
      return 0;
    }
    case 'status': {
      const st = await statusServices();
      let ok = true;
      for (const name of which) {
        const e = st[name];
        if (!e) {
          console.log(`${name.padEnd(6)} not started`);
          ok = false;
        } else {
          const what = e.ready ? 'running' : e.alive ? 'not answering' : 'dead';
          console.log(`${name.padEnd(6)} ${what.padEnd(13)} ${e.url}  (pid ${e.pid}, since ${e.startedAt}, log ${e.logFile})`);
          ok &&= e.ready;
        }
      }
      return ok ? 0 : 1;
    }
    default:
      console.error(`unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`[services] ERROR: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
