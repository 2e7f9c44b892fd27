// @ts-check
/**
 * Real Neo4j (embedded Community DBMS with Bolt, built by Maven), real Chroma (PyPI server in a venv) and real
 * Redis (Debian's redis-server package, for the BullMQ job queue) for development and tests, without Docker.
 * Dependency-free Node ESM (Node >= 20).
 *
 * Layout, all under `<repo>/.cache/services/` (git-ignored; override with MEMOS_SERVICES_CACHE):
 *   neo4j/lib/                 launcher jar + runtime jars   (neo4j/installed.json = cache marker)
 *   neo4j/build/               Maven build directory
 *   neo4j/neo4j-dev-server.jsa class-data-sharing archive recorded by the post-build self-test (faster starts)
 *   chroma-venv/               Python venv with chromadb      (chroma-venv/.memos-installed.json = marker)
 *   state.json                 services started by `node scripts/services.mjs start`
 *   data/{neo4j,chroma,redis}/ their data (wiped on every start, kept on restart; redis: redis.conf + AOF)
 *   logs/{neo4j,chroma,redis}.log their logs; logs/*-build.log, logs/*-install.log for installs
 *   state-<runId>.json, data/<runId>/…, logs/<runId>/…   the same for an in-process run (e.g. vitest)
 *
 * Used by scripts/services.mjs (CLI) and test/global-setup.ts (vitest globalSetup).
 */
import { isAlive, withDirLock } from './dir-lock.mjs';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {'neo4j' | 'chroma' | 'redis'} ServiceName */

/**
 * One running (or restartable) service, as stored in a state file.
 * @typedef {object} ServiceEntry
 * @property {string} url         bolt://127.0.0.1:<port>, http://127.0.0.1:<port> or redis://127.0.0.1:<port>
 * @property {number} pid         PID of the server process (java / python / redis-server)
 * @property {number} port        loopback port (kept by restartService)
 * @property {string} dataDir     data directory (kept by restartService)
 * @property {string} logFile     log file (appended to by restartService)
 * @property {string} stateFile   state file this entry lives in
 * @property {number | null} watchPid  the server exits when this process exits (null: never)
 * @property {string | null} runId     null for the CLI's services
 * @property {string} startedAt   ISO timestamp of the last (re)start
 */

/** @typedef {{ neo4j?: ServiceEntry, chroma?: ServiceEntry, redis?: ServiceEntry }} ServicesState */

/** @typedef {(message: string) => void} Logger */

/**
 * @typedef {object} StartOptions
 * @property {ServiceName | ServiceName[] | 'all'} [which]  default: all three
 * @property {Logger} [log]         progress messages (default: stderr with a [services] prefix)
 * @property {string} [runId]       isolate data/logs/state of this run (e.g. `vitest-<pid>`); default: the CLI's
 * @property {number | null} [watchPid]  servers exit when this PID exits (e.g. process.pid of a test runner)
 * @property {{ neo4j?: number, chroma?: number, redis?: number }} [ports]  fixed ports; default: free ones
 * @property {number} [timeoutMs]   readiness timeout per service (default 180 s, MEMOS_SERVICES_START_TIMEOUT_MS)
 * @property {boolean} [reuseRunning]  keep an already running, ready service of the same state file (default true)
 * @property {string} [cacheDir]    default: MEMOS_SERVICES_CACHE or <repo>/.cache/services
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVICE_NAMES = /** @type {const} */ (['neo4j', 'chroma', 'redis']);
/** The chromadb PyPI version installed into the venv (server), matching docker-compose.yml. */
export const CHROMA_VERSION = '1.5.9';
/** Bolt launcher sources; their hash is the Neo4j install's cache key. */
export const NEO4J_PROJECT_DIR = path.join(REPO_ROOT, 'tools', 'neo4j-dev-server');
const NEO4J_MAIN_CLASS = 'dev.memos.neo4j.DevServer';
const NEO4J_SOURCES = ['pom.xml', 'src/main/java/dev/memos/neo4j/DevServer.java'];
/** JVM flags for the embedded Neo4j (from Neo4j's own launcher config), plus a small heap. */
export const NEO4J_JVM_FLAGS = [
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--enable-native-access=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Xms256m',
  '-Xmx512m',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-OmitStackTraceInFastThrow',
  '-Dfile.encoding=UTF-8',
];
/**
 * Startup-time flags: C1 only (JIT compiles far less while the DBMS boots on a busy 2-core machine; queries of
 * tests are small). Re-enable C2 for benchmarks with MEMOS_NEO4J_JAVA_OPTS=-XX:TieredStopAtLevel=4 (later wins).
 * A class-data-sharing archive recorded after the build is added when present.
 */
export const NEO4J_STARTUP_FLAGS = ['-XX:TieredStopAtLevel=1'];
const NEO4J_PAGECACHE = '128m';
const DEFAULT_TIMEOUT_MS = 180_000;
const DEFAULT_GRACE_MS = 15_000;
const INSTALL_LOCK_TIMEOUT_MS = 30 * 60_000;

/**
 * Chroma launcher, run as `<venv>/bin/python -c CHROMA_LAUNCHER --watch-pid N <chroma run args…>`.
 * Same server as the `chroma run` CLI, plus an optional watchdog thread: when the watched process is gone,
 * it sends itself SIGTERM (Chroma's graceful shutdown) so a crashed test runner leaves no server behind.
 */
const CHROMA_LAUNCHER = `
import os, signal, sys, threading, time
args = sys.argv[1:]
watch = 0
if len(args) >= 2 and args[0] == "--watch-pid":
    watch = int(args[1]); args = args[2:]
def _watch():
    while True:
        time.sleep(1.0)
        try:
            os.kill(watch, 0)
        except ProcessLookupError:
            print("watched process %d exited; shutting down" % watch, flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(15)
            os._exit(0)
        except PermissionError:
            pass
if watch > 0:
    threading.Thread(target=_watch, daemon=True).start()
import chromadb_rust_bindings
try:
    chromadb_rust_bindings.cli(["chroma", "run", *args])
except KeyboardInterrupt:
    pass
`;

// ---------------------------------------------------------------------------------------------------------------
// paths and state

/**
 * @param {{ runId?: string | null, cacheDir?: string }} [opts]
 */
export function servicePaths(opts = {}) {
  const cache = path.resolve(opts.cacheDir || process.env.MEMOS_SERVICES_CACHE || path.join(REPO_ROOT, '.cache', 'services'));
  const runId = opts.runId || null;
  if (runId && !/^[A-Za-z0-9._-]+$/.test(runId)) throw new Error(`invalid runId: ${runId}`);
  const data = runId ? path.join(cache, 'data', runId) : path.join(cache, 'data');
  const logs = runId ? path.join(cache, 'logs', runId) : path.join(cache, 'logs');
  return {
    cache,
    runId,
    neo4jHome: path.join(cache, 'neo4j'),
    neo4jLib: path.join(cache, 'neo4j', 'lib'),
    neo4jBuild: path.join(cache, 'neo4j', 'build'),
    neo4jMarker: path.join(cache, 'neo4j', 'installed.json'),
    neo4jCds: path.join(cache, 'neo4j', 'neo4j-dev-server.jsa'),
    chromaVenv: path.join(cache, 'chroma-venv'),
    chromaMarker: path.join(cache, 'chroma-venv', '.memos-installed.json'),
    installLogs: path.join(cache, 'logs'),
    data,
    logs,
    stateFile: runId ? path.join(cache, `state-${runId}.json`) : path.join(cache, 'state.json'),
  };
}

/**
 * Reads a state file (default: the CLI's `.cache/services/state.json`). Missing or unreadable: `{}`.
 * @param {string} [stateFile]
 * @returns {ServicesState}
 */
export function readState(stateFile = servicePaths().stateFile) {
  try {
    const parsed = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    /** @type {ServicesState} */
    const out = {};
    for (const name of SERVICE_NAMES) {
      const e = parsed?.[name];
      if (e && typeof e.url === 'string' && typeof e.pid === 'number') out[name] = { ...e, stateFile };
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * @param {string} stateFile
 * @param {(state: ServicesState) => void} mutate
 */
function updateStateFile(stateFile, mutate) {
  const state = readState(stateFile);
  mutate(state);
  if (Object.keys(state).length === 0) {
    fs.rmSync(stateFile, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  const tmp = `${stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, stateFile);
}

/** @param {ServiceName | ServiceName[] | 'all' | undefined} which @returns {ServiceName[]} */
function normalizeWhich(which) {
  if (which === undefined || which === 'all') return [...SERVICE_NAMES];
  const list = Array.isArray(which) ? which : [which];
  for (const n of list) {
    if (!SERVICE_NAMES.includes(/** @type {any} */ (n))) throw new Error(`unknown service "${n}" (expected neo4j, chroma or redis)`);
  }
  return SERVICE_NAMES.filter((n) => list.includes(n));
}

/** @type {Logger} */
const defaultLog = (m) => {
  process.stderr.write(`[services] ${m}\n`);
};

// ---------------------------------------------------------------------------------------------------------------
// process helpers

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export { isAlive };

/**
 * True when `pid` still runs our server (its command line names the entry's data dir), so a recycled PID is
 * never killed. Without /proc (macOS) this trusts the PID.
 * @param {number} pid @param {string} dataDir
 */
function isOurProcess(pid, dataDir) {
  let cmdline;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return fs.existsSync('/proc/self') ? false : true;
  }
  return cmdline.split('\0').includes(dataDir);
}

/**
 * Stops a process we started: SIGINT, then SIGTERM after half the grace period, then SIGKILL.
 * @param {number} pid @param {string} dataDir @param {{ graceMs?: number, log?: Logger, label?: string }} [opts]
 * @returns {Promise<void>}
 */
async function stopPid(pid, dataDir, opts = {}) {
  const log = opts.log ?? defaultLog;
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  if (!isAlive(pid)) return;
  if (!isOurProcess(pid, dataDir)) {
    log(`${opts.label ?? 'service'}: pid ${pid} no longer runs our server; not killing it`);
    return;
  }
  /** @type {NodeJS.Signals[]} */
  const steps = ['SIGINT', 'SIGTERM', 'SIGKILL'];
  for (const [i, sig] of steps.entries()) {
    try {
      process.kill(pid, sig);
    } catch {
      return;
    }
    if (i === 2) log(`${opts.label ?? 'service'}: pid ${pid} ignored SIGINT/SIGTERM for ${graceMs} ms; sent SIGKILL`);
    const until = Date.now() + (i === 2 ? 10_000 : graceMs / 2);
    while (Date.now() < until) {
      if (!isAlive(pid)) return;
      await sleep(100);
    }
  }
  if (isAlive(pid)) throw new Error(`${opts.label ?? 'service'}: pid ${pid} survived SIGKILL`);
}

/**
 * Runs a command to completion with stdout/stderr appended to logFile.
 * @param {string} cmd @param {string[]} args
 * @param {{ logFile: string, cwd?: string, env?: NodeJS.ProcessEnv, what: string, hint?: string, timeoutMs?: number }} opts
 * @returns {Promise<void>}
 */
function runLogged(cmd, args, opts) {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const start = fs.existsSync(opts.logFile) ? fs.statSync(opts.logFile).size : 0;
  fs.appendFileSync(opts.logFile, `\n$ ${[cmd, ...args].join(' ')}\n`);
  const fd = fs.openSync(opts.logFile, 'a');
  return new Promise((resolve, reject) => {
    /** @type {import('node:child_process').ChildProcess} */
    let child;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
    } catch (e) {
      reject(new Error(`${opts.what}: cannot run ${cmd}: ${e}${opts.hint ? `\n${opts.hint}` : ''}`));
      return;
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    timer?.unref();
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      const missing = /** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT';
      reject(new Error(`${opts.what}: ${missing ? `command not found: ${cmd}` : String(e)}${opts.hint ? `\n${opts.hint}` : ''}`));
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const why = timedOut ? `timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s` : (signal ?? `exit code ${code}`);
        reject(
          new Error(
            `${opts.what} failed (${why}); see ${opts.logFile}. Last lines:\n${logTail(opts.logFile, start)}` +
              (opts.hint ? `\n${opts.hint}` : ''),
          ),
        );
      }
    });
  });
}

/** @param {string} s */
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');

/**
 * The last lines of a log file from byte offset `from` (ANSI colors removed).
 * @param {string} file @param {number} [from] @param {number} [lines]
 */
export function logTail(file, from = 0, lines = 40) {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(from, size - 16_384);
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    fs.closeSync(fd);
    const text = stripAnsi(buf.toString('utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '');
    return text.slice(-lines).map((l) => `    | ${l}`).join('\n') || '    | (empty log)';
  } catch {
    return '    | (no log)';
  }
}

/** @param {string} file @param {number} from */
function readFrom(file, from) {
  try {
    const size = fs.statSync(file).size;
    if (size <= from) return '';
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(size - from);
    fs.readSync(fd, buf, 0, buf.length, from);
    fs.closeSync(fd);
    return buf.toString('utf8');
  } catch {
    return '';
  }
}

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** @param {number} port @param {number} [timeoutMs] @returns {Promise<boolean>} */
function tcpConnects(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (/** @type {boolean} */ ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** @param {string} url @returns {Promise<boolean>} */
async function chromaHeartbeat(url) {
  try {
    const res = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Redis readiness: an inline `PING` answered with `+PONG` (a server still loading its AOF answers `-LOADING`).
 * @param {number} port @param {number} [timeoutMs] @returns {Promise<boolean>}
 */
export function redisPing(port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (/** @type {boolean} */ ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.once('error', () => done(false));
  });
}

/**
 * Is this entry's server running and answering? (Neo4j: Bolt port accepts TCP; Chroma: heartbeat; Redis: PING.)
 * @param {ServiceName} name @param {ServiceEntry | undefined} entry
 */
export async function isReady(name, entry) {
  if (!entry || !isAlive(entry.pid) || !isOurProcess(entry.pid, entry.dataDir)) return false;
  if (name === 'redis') return redisPing(entry.port);
  return name === 'neo4j' ? tcpConnects(entry.port) : chromaHeartbeat(entry.url);
}

// ---------------------------------------------------------------------------------------------------------------
// installs

/** A cross-process install lock (see dir-lock.mjs). @template T @param {string} lockDir @param {Logger} log @param {() => Promise<T>} fn @returns {Promise<T>} */
function withLock(lockDir, log, fn) {
  return withDirLock({ lockDir, log, timeoutMs: INSTALL_LOCK_TIMEOUT_MS, label: 'install lock', pollMs: 1000 }, fn);
}

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function neo4jCacheKey() {
  const h = crypto.createHash('sha256');
  for (const rel of NEO4J_SOURCES) {
    h.update(rel);
    h.update(fs.readFileSync(path.join(NEO4J_PROJECT_DIR, rel)));
  }
  return h.digest('hex');
}

/** The Neo4j version pinned in tools/neo4j-dev-server/pom.xml. */
export function neo4jVersion() {
  const pom = fs.readFileSync(path.join(NEO4J_PROJECT_DIR, 'pom.xml'), 'utf8');
  return /<neo4j\.version>([^<]+)<\/neo4j\.version>/.exec(pom)?.[1] ?? 'unknown';
}

function javaCommand() {
  if (process.env.MEMOS_JAVA) return process.env.MEMOS_JAVA;
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

/** @param {ReturnType<typeof servicePaths>} p */
function neo4jInstalled(p) {
  const marker = readJson(p.neo4jMarker);
  return Boolean(marker && marker.key === neo4jCacheKey() && fs.existsSync(path.join(p.neo4jLib, 'neo4j-dev-server.jar')));
}

/**
 * Builds the Neo4j launcher and copies its runtime jars into the cache, unless the cache is valid
 * (marker = hash of pom.xml + DevServer.java).
 * @param {{ log?: Logger, cacheDir?: string }} [opts]
 */
export async function ensureNeo4j(opts = {}) {
  const log = opts.log ?? defaultLog;
  const p = servicePaths({ cacheDir: opts.cacheDir });
  if (neo4jInstalled(p)) return;
  await withLock(path.join(p.cache, 'locks', 'neo4j-install'), log, async () => {
    if (neo4jInstalled(p)) return;
    const java = javaCommand();
    const jv = spawnSync(java, ['-version'], { encoding: 'utf8' });
    const major = Number(/version "(?:1\.)?(\d+)/.exec(`${jv.stderr}${jv.stdout}`)?.[1] ?? 0);
    if (jv.error || major < 17) {
      throw new Error(
        `Neo4j ${neo4jVersion()} needs Java 17 or 21 (found: ${jv.error ? `no "${java}"` : `Java ${major || '?'}`}). ` +
          'Install openjdk-17-jdk-headless and maven (apt-get), set MEMOS_JAVA, or point MEMOS_NEO4J_URL at a running Neo4j.',
      );
    }
    if (major > 21) log(`warning: Java ${major} is newer than Neo4j 5.26 supports (17, 21); set MEMOS_JAVA to a Java 17/21 if it fails`);
    const t0 = Date.now();
    log(`building Neo4j ${neo4jVersion()} launcher with Maven (first time only; downloads ~120 MB of jars)…`);
    const tmpLib = `${p.neo4jLib}.tmp`;
    fs.rmSync(tmpLib, { recursive: true, force: true });
    fs.rmSync(p.neo4jMarker, { force: true });
    await runLogged(
      process.env.MEMOS_MVN || 'mvn',
      ['-B', '-q', '-f', path.join(NEO4J_PROJECT_DIR, 'pom.xml'), 'package', '-DskipTests', `-Dneo4jdev.buildDir=${p.neo4jBuild}`, `-Dneo4jdev.libDir=${tmpLib}`],
      {
        logFile: path.join(p.installLogs, 'neo4j-build.log'),
        cwd: NEO4J_PROJECT_DIR,
        what: 'Maven build of tools/neo4j-dev-server',
        timeoutMs: 30 * 60_000,
        hint: 'Needs Maven 3.8+ (apt-get install maven) and Maven Central; or set MEMOS_NEO4J_URL to a running Neo4j.',
      },
    );
    if (!fs.existsSync(path.join(tmpLib, 'neo4j-dev-server.jar'))) {
      throw new Error(`Maven build produced no ${path.join(tmpLib, 'neo4j-dev-server.jar')}`);
    }
    fs.rmSync(p.neo4jLib, { recursive: true, force: true });
    fs.renameSync(tmpLib, p.neo4jLib);
    log(`Neo4j launcher built in ${((Date.now() - t0) / 1000).toFixed(1)} s; self-test (vector + full-text indexes)…`);
    const t1 = Date.now();
    const cds = await neo4jSelfTest(p, log);
    fs.writeFileSync(
      p.neo4jMarker,
      `${JSON.stringify({ key: neo4jCacheKey(), neo4j: neo4jVersion(), java: major, cds, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    log(`Neo4j self-test passed in ${((Date.now() - t1) / 1000).toFixed(1)} s${cds ? ' (class-data-sharing archive recorded)' : ''}`);
  });
}

/**
 * Runs the launcher's --self-test once (vector + full-text index round trip in-process) and records a
 * class-data-sharing archive at its exit, which later starts map instead of loading ~20k classes again.
 * Throws when the self-test fails; returns whether the archive was written.
 * @param {ReturnType<typeof servicePaths>} p @param {Logger} log @returns {Promise<boolean>}
 */
async function neo4jSelfTest(p, log) {
  const home = path.join(p.neo4jHome, 'selftest-home');
  const logFile = path.join(p.installLogs, 'neo4j-selftest.log');
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(p.neo4jCds, { force: true });
  fs.writeFileSync(logFile, '');
  const args = [
    ...NEO4J_JVM_FLAGS,
    ...NEO4J_STARTUP_FLAGS,
    `-XX:ArchiveClassesAtExit=${p.neo4jCds}`,
    '-cp',
    path.join(p.neo4jLib, '*'),
    NEO4J_MAIN_CLASS,
    '--home',
    home,
    '--port',
    '0',
    '--pagecache',
    NEO4J_PAGECACHE,
    '--self-test',
  ];
  const hint = 'The embedded Neo4j could not create/query vector or full-text indexes; see the log above.';
  const timer = setTimeout(() => log('Neo4j self-test still running (slow machine?)…'), 120_000);
  try {
    await runLogged(javaCommand(), args, { logFile, cwd: p.neo4jHome, what: 'Neo4j self-test', hint, timeoutMs: 600_000 });
  } finally {
    clearTimeout(timer);
    fs.rmSync(home, { recursive: true, force: true });
  }
  if (!/SELFTEST OK/.test(fs.readFileSync(logFile, 'utf8'))) {
    throw new Error(`Neo4j self-test did not report SELFTEST OK; log ${logFile}:\n${logTail(logFile)}`);
  }
  const cds = fs.existsSync(p.neo4jCds);
  if (!cds) log(`note: no class-data-sharing archive was written (${logFile}); Neo4j starts will be slower`);
  return cds;
}

/** @param {ReturnType<typeof servicePaths>} p */
function chromaPython(p) {
  return process.platform === 'win32' ? path.join(p.chromaVenv, 'Scripts', 'python.exe') : path.join(p.chromaVenv, 'bin', 'python');
}

/** @param {ReturnType<typeof servicePaths>} p */
function chromaInstalled(p) {
  const marker = readJson(p.chromaMarker);
  return Boolean(marker && marker.chromadb === CHROMA_VERSION && fs.existsSync(chromaPython(p)));
}

/**
 * Creates the venv and installs chromadb==CHROMA_VERSION from PyPI, unless the marker says it is there.
 * @param {{ log?: Logger, cacheDir?: string }} [opts]
 */
export async function ensureChroma(opts = {}) {
  const log = opts.log ?? defaultLog;
  const p = servicePaths({ cacheDir: opts.cacheDir });
  if (chromaInstalled(p)) return;
  await withLock(path.join(p.cache, 'locks', 'chroma-install'), log, async () => {
    if (chromaInstalled(p)) return;
    const python = process.env.MEMOS_PYTHON || 'python3';
    const pv = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const [maj = 0, min = 0] = String(pv.stdout ?? '').trim().split('.').map(Number);
    if (pv.error || pv.status !== 0 || !(maj === 3 && min >= 9)) {
      throw new Error(
        `Chroma ${CHROMA_VERSION} needs Python >= 3.9 with venv (found: ${pv.error ? `no "${python}"` : String(pv.stdout || pv.stderr).trim()}). ` +
          'Install python3 and python3-venv (apt-get), set MEMOS_PYTHON, or point MEMOS_CHROMA_URL at a running Chroma.',
      );
    }
    const t0 = Date.now();
    const logFile = path.join(p.installLogs, 'chroma-install.log');
    log(`installing chromadb==${CHROMA_VERSION} into ${path.relative(REPO_ROOT, p.chromaVenv) || p.chromaVenv} (first time only; ~500 MB)…`);
    fs.rmSync(p.chromaVenv, { recursive: true, force: true });
    await runLogged(python, ['-m', 'venv', p.chromaVenv], {
      logFile,
      what: 'python3 -m venv',
      hint: 'On Debian/Ubuntu: apt-get install python3-venv',
    });
    await runLogged(
      chromaPython(p),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', `chromadb==${CHROMA_VERSION}`],
      {
        logFile,
        what: `pip install chromadb==${CHROMA_VERSION}`,
        hint: 'Needs PyPI; or set MEMOS_CHROMA_URL to a running Chroma.',
        timeoutMs: 30 * 60_000,
      },
    );
    const check = spawnSync(chromaPython(p), ['-c', 'import chromadb, chromadb_rust_bindings; print(chromadb.__version__)'], {
      encoding: 'utf8',
    });
    const got = String(check.stdout ?? '').trim();
    if (check.status !== 0 || got !== CHROMA_VERSION) {
      throw new Error(`chromadb import check failed (got "${got}"): ${check.stderr}`);
    }
    fs.writeFileSync(
      p.chromaMarker,
      `${JSON.stringify({ chromadb: CHROMA_VERSION, python: `${maj}.${min}`, installedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    log(`chromadb ${CHROMA_VERSION} installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}

/** The redis-server binary: MEMOS_REDIS_SERVER, else `redis-server` on PATH (Debian: /usr/bin/redis-server). */
function redisServerCommand() {
  return process.env.MEMOS_REDIS_SERVER || 'redis-server';
}

/** `redis-server --version` -> e.g. `7.0.15`, or null when it cannot run. @returns {string | null} */
export function redisServerVersion() {
  const r = spawnSync(redisServerCommand(), ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /v=(\d+\.\d+\.\d+)/.exec(String(r.stdout))?.[1] ?? 'unknown';
}

/**
 * Makes sure a `redis-server` (>= 6.2, which BullMQ needs) can run. When it is missing and the machine has
 * apt-get, installs Debian's `redis-server` package (`apt-get update -qq`, then a quiet no-recommends install;
 * with sudo when not root, as .ci/run does for chromium). Otherwise throws an error naming the fix.
 * @param {{ log?: Logger, cacheDir?: string }} [opts]
 */
export async function ensureRedis(opts = {}) {
  const log = opts.log ?? defaultLog;
  const p = servicePaths({ cacheDir: opts.cacheDir });
  const fix =
    'Install Redis >= 6.2 (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), ' +
    'set MEMOS_REDIS_SERVER to a redis-server binary, or point MEMOS_REDIS_URL at a running Redis.';
  const check = () => {
    const v = redisServerVersion();
    if (v && v !== 'unknown') {
      const [maj = 0, min = 0] = v.split('.').map(Number);
      if (maj < 6 || (maj === 6 && min < 2)) throw new Error(`redis-server ${v} is too old for BullMQ (needs >= 6.2). ${fix}`);
    }
    return v;
  };
  if (check()) return;
  await withLock(path.join(p.cache, 'locks', 'redis-install'), log, async () => {
    if (check()) return;
    if (process.env.MEMOS_REDIS_SERVER) throw new Error(`MEMOS_REDIS_SERVER=${process.env.MEMOS_REDIS_SERVER} cannot run. ${fix}`);
    const apt = spawnSync('apt-get', ['--version'], { encoding: 'utf8' });
    if (process.platform !== 'linux' || apt.error || apt.status !== 0) throw new Error(`redis-server not found. ${fix}`);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root && spawnSync('sudo', ['-n', 'true']).status !== 0) {
      throw new Error(`redis-server not found, and installing it needs root (no passwordless sudo). ${fix}`);
    }
    /** @param {string[]} args */
    const asRoot = (args) => (root ? { cmd: 'apt-get', args } : { cmd: 'sudo', args: ['-n', 'apt-get', ...args] });
    const logFile = path.join(p.installLogs, 'redis-install.log');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const t0 = Date.now();
    log("installing Debian's redis-server package (first time only; ~7 MB installed)…");
    const upd = asRoot(['update', '-qq']);
    await runLogged(upd.cmd, upd.args, { logFile, env, what: 'apt-get update', hint: fix, timeoutMs: 10 * 60_000 });
    const inst = asRoot(['install', '-y', '-qq', '--no-install-recommends', 'redis-server']);
    await runLogged(inst.cmd, inst.args, { logFile, env, what: 'apt-get install redis-server', hint: fix, timeoutMs: 10 * 60_000 });
    const v = check();
    if (!v) throw new Error(`apt-get installed redis-server, but "${redisServerCommand()} --version" does not run. ${fix}`);
    log(`redis-server ${v} installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}

/**
 * Installs whatever of the named services is missing (in parallel).
 * @param {{ which?: ServiceName | ServiceName[] | 'all', log?: Logger, cacheDir?: string }} [opts]
 */
export async function ensureInstalled(opts = {}) {
  const which = normalizeWhich(opts.which);
  // allSettled: a fast failure of one install must not leave the other running unreported.
  const results = await Promise.allSettled(
    which.map((n) => (n === 'neo4j' ? ensureNeo4j(opts) : n === 'chroma' ? ensureChroma(opts) : ensureRedis(opts))),
  );
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason?.message ?? r.reason)] : []));
  if (errors.length > 0) throw new Error(errors.join('\n\n'));
}

// ---------------------------------------------------------------------------------------------------------------
// launching

/**
 * Spawns one server (detached, logs appended to entry.logFile) and waits until it is ready.
 * @param {ServiceName} name
 * @param {{ port: number, dataDir: string, logFile: string, watchPid: number | null, cacheDir?: string,
 *           timeoutMs: number, log: Logger }} o
 * @returns {Promise<{ pid: number, port: number, url: string }>}
 */
async function launch(name, o) {
  const p = servicePaths({ cacheDir: o.cacheDir });
  fs.mkdirSync(o.dataDir, { recursive: true });
  fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
  fs.appendFileSync(o.logFile, `\n===== ${new Date().toISOString()} starting ${name} (port ${o.port || 'auto'}, data ${o.dataDir}) =====\n`);
  const offset = fs.statSync(o.logFile).size;

  /** @type {string} */ let cmd;
  /** @type {string[]} */ let args;
  /** @type {NodeJS.ProcessEnv} */ let env = { ...process.env };
  if (name === 'neo4j') {
    cmd = javaCommand();
    const extra = (process.env.MEMOS_NEO4J_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
    const cds = fs.existsSync(p.neo4jCds) ? [`-XX:SharedArchiveFile=${p.neo4jCds}`] : [];
    args = [
      ...NEO4J_JVM_FLAGS,
      ...NEO4J_STARTUP_FLAGS,
      ...cds,
      ...extra,
      '-cp',
      path.join(p.neo4jLib, '*'),
      NEO4J_MAIN_CLASS,
      '--home',
      o.dataDir,
      '--port',
      String(o.port),
      '--pagecache',
      NEO4J_PAGECACHE,
      ...(o.watchPid ? ['--watch-pid', String(o.watchPid)] : []),
    ];
  } else if (name === 'redis') {
    cmd = redisServerCommand();
    const conf = path.join(o.dataDir, 'redis.conf');
    if (!fs.existsSync(conf)) fs.writeFileSync(conf, redisConfig(o.port));
    // --dir repeats the data dir on the command line (isOurProcess finds it there; set-proc-title no keeps it).
    args = [conf, '--dir', o.dataDir];
  } else {
    cmd = chromaPython(p);
    args = ['-c', CHROMA_LAUNCHER, '--watch-pid', String(o.watchPid ?? 0), '--path', o.dataDir, '--host', '127.0.0.1', '--port', String(o.port)];
    env = { ...env, ANONYMIZED_TELEMETRY: 'False', NO_COLOR: '1', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  }

  const fd = fs.openSync(o.logFile, 'a');
  /** @type {import('node:child_process').ChildProcess} */
  let child;
  try {
    child = spawn(cmd, args, { cwd: o.dataDir, env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  /** @type {{ code: number | null, signal: string | null } | null} */
  let exited = null;
  /** @type {Error | null} */
  let spawnError = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (e) => {
    spawnError = e;
  });
  child.unref();

  const t0 = Date.now();
  const fail = (/** @type {string} */ why) =>
    new Error(`${name} ${why}; log ${o.logFile}, last lines:\n${logTail(o.logFile, offset)}`);
  for (;;) {
    if (spawnError) throw new Error(`${name}: cannot start ${cmd}: ${spawnError}`);
    if (exited) {
      const ex = /** @type {{ code: number | null, signal: string | null }} */ (exited);
      throw fail(`exited (${ex.signal ?? `code ${ex.code}`}) before becoming ready`);
    }
    const pid = child.pid ?? 0;
    if (pid) {
      if (name === 'neo4j') {
        const m = /READY bolt:\/\/127\.0\.0\.1:(\d+)/.exec(readFrom(o.logFile, offset));
        if (m && (await tcpConnects(Number(m[1])))) {
          const port = Number(m[1]);
          return { pid, port, url: `bolt://127.0.0.1:${port}` };
        }
      } else if (name === 'redis') {
        if (await redisPing(o.port)) {
          if (o.watchPid) spawnWatchdog(o.watchPid, pid, o.dataDir);
          return { pid, port: o.port, url: `redis://127.0.0.1:${o.port}` };
        }
      } else {
        const url = `http://127.0.0.1:${o.port}`;
        if (await chromaHeartbeat(url)) return { pid, port: o.port, url };
      }
    }
    if (Date.now() - t0 > o.timeoutMs) {
      if (pid) await stopPid(pid, o.dataDir, { graceMs: 4000, log: o.log, label: name });
      throw fail(`did not become ready within ${Math.round(o.timeoutMs / 1000)} s (killed pid ${pid})`);
    }
    await sleep(200);
  }
}

/**
 * redis.conf of a service instance: loopback only, protected mode, no daemon, no RDB snapshots, an append-only
 * file (fsync every second) so a restart keeps queued jobs, logs to stdout (the service log), and the process
 * title left alone so /proc/<pid>/cmdline keeps naming the data dir.
 * @param {number} port
 */
function redisConfig(port) {
  return [
    '# written by scripts/services-lib.mjs',
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    'daemonize no',
    'supervised no',
    'set-proc-title no',
    'logfile ""',
    'loglevel notice',
    'databases 16',
    'save ""',
    'appendonly yes',
    'appendfsync everysec',
    'maxmemory-policy noeviction',
    '',
  ].join('\n');
}

/**
 * Redis has no watch-pid option: a small detached Node process sends the server SIGTERM (its graceful shutdown)
 * once the watched process (e.g. a test runner) is gone, and exits when the server does.
 * @param {number} watchPid @param {number} serverPid @param {string} dataDir
 */
function spawnWatchdog(watchPid, serverPid, dataDir) {
  const script = `
const [watch, server] = process.argv.slice(-3, -1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const t = setInterval(() => {
  if (!alive(server)) { clearInterval(t); return; }
  if (!alive(watch)) { clearInterval(t); try { process.kill(server, 'SIGTERM'); } catch {} }
}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, String(watchPid), String(serverPid), dataDir], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}

/**
 * Resolves once 127.0.0.1:port can be bound (a server just killed may hold it for a moment), or after ms.
 * @param {number} port @param {number} ms @returns {Promise<boolean>} whether it is free
 */
async function waitPortFree(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free || Date.now() > deadline) return /** @type {boolean} */ (free);
    await sleep(250);
  }
}

/**
 * launch(), waiting for a fixed port to be free first; a free port picked by us that was taken between
 * picking and binding is replaced by another one (up to 3 tries).
 * @param {ServiceName} name
 * @param {Parameters<typeof launch>[1] & { fixedPort: boolean }} o
 */
async function launchWithRetry(name, o) {
  if (o.fixedPort && !(await waitPortFree(o.port, 15_000))) {
    throw new Error(`${name}: port 127.0.0.1:${o.port} is in use by another process`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(name, o);
    } catch (e) {
      const msg = String(/** @type {Error} */ (e).message);
      const portClash = /address already in use|is not available|BindException|AddrInUse|os error 98/i.test(msg);
      if (!portClash || o.fixedPort || attempt >= 3) throw e;
      o.port = name === 'neo4j' ? 0 : await freePort();
      if (name === 'redis') fs.rmSync(path.join(o.dataDir, 'redis.conf'), { force: true });
      o.log(`${name}: port clash; retrying on ${o.port || 'another free port'}`);
    }
  }
}

/**
 * Removes state, data and logs of earlier in-process runs (runId ending in -<pid>) whose process is gone and
 * whose servers no longer run. The CLI's own data/neo4j, data/chroma never match.
 * @param {string} cacheDir
 */
function sweepDeadRuns(cacheDir) {
  /** @param {string} dir */
  const list = (dir) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  /** @type {Set<string>} */
  const runIds = new Set();
  for (const f of list(cacheDir)) {
    const m = /^state-(.+)\.json$/.exec(f);
    if (m) runIds.add(String(m[1]));
  }
  for (const d of [...list(path.join(cacheDir, 'data')), ...list(path.join(cacheDir, 'logs'))]) runIds.add(d);
  for (const runId of runIds) {
    const m = /-(\d+)$/.exec(runId);
    if (!m || isAlive(Number(m[1]))) continue;
    const stateFile = path.join(cacheDir, `state-${runId}.json`);
    const state = readState(stateFile);
    if (Object.values(state).some((e) => e && isAlive(e.pid) && isOurProcess(e.pid, e.dataDir))) continue;
    fs.rmSync(path.join(cacheDir, 'data', runId), { recursive: true, force: true });
    fs.rmSync(path.join(cacheDir, 'logs', runId), { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
  }
}

/**
 * Installs what is missing, then starts the named services on loopback with fresh (wiped) data dirs and waits
 * until they are ready. A service of the same state file that already runs and answers is kept as is
 * (unless reuseRunning is false). On failure, whatever this call started is stopped again.
 * @param {StartOptions} [opts]
 * @returns {Promise<ServicesState>} entries of the requested services
 */
export async function startServices(opts = {}) {
  const log = opts.log ?? defaultLog;
  const which = normalizeWhich(opts.which);
  const p = servicePaths({ runId: opts.runId, cacheDir: opts.cacheDir });
  const envTimeout = Number(process.env.MEMOS_SERVICES_START_TIMEOUT_MS);
  const timeoutMs = opts.timeoutMs ?? (envTimeout > 0 ? envTimeout : DEFAULT_TIMEOUT_MS);
  fs.mkdirSync(p.cache, { recursive: true });
  // One start per state file at a time: a concurrent `start` waits, then finds the services running.
  return withLock(path.join(p.cache, 'locks', `start-${p.runId ?? 'cli'}`), log, async () => {
    sweepDeadRuns(p.cache);
    return startLocked(which, p, opts, log, timeoutMs);
  });
}

/**
 * @param {ServiceName[]} which @param {ReturnType<typeof servicePaths>} p @param {StartOptions} opts
 * @param {Logger} log @param {number} timeoutMs @returns {Promise<ServicesState>}
 */
async function startLocked(which, p, opts, log, timeoutMs) {
  /** @type {ServicesState} */
  const result = {};
  const existing = readState(p.stateFile);
  /** @type {ServiceName[]} */
  const toStart = [];
  for (const name of which) {
    const e = existing[name];
    if (e && opts.reuseRunning !== false && (await isReady(name, e))) {
      log(`${name} already running at ${e.url} (pid ${e.pid})`);
      result[name] = e;
      continue;
    }
    if (e && isAlive(e.pid)) await stopPid(e.pid, e.dataDir, { log, label: name });
    toStart.push(name);
  }
  if (toStart.length === 0) return result;

  await ensureInstalled({ which: toStart, log, cacheDir: opts.cacheDir });

  const settled = await Promise.allSettled(
    toStart.map(async (name) => {
      const dataDir = path.join(p.data, name);
      const logFile = path.join(p.logs, `${name}.log`);
      fs.rmSync(dataDir, { recursive: true, force: true }); // fresh data on every start (not on restart)
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      fs.writeFileSync(logFile, '');
      const fixed = opts.ports?.[name];
      const port = fixed ?? (name === 'neo4j' ? 0 : await freePort());
      const t0 = Date.now();
      const r = await launchWithRetry(name, {
        port,
        fixedPort: fixed !== undefined,
        dataDir,
        logFile,
        watchPid: opts.watchPid ?? null,
        cacheDir: opts.cacheDir,
        timeoutMs,
        log,
      });
      log(`${name} ready at ${r.url} (pid ${r.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      /** @type {ServiceEntry} */
      const entry = {
        url: r.url,
        pid: r.pid,
        port: r.port,
        dataDir,
        logFile,
        stateFile: p.stateFile,
        watchPid: opts.watchPid ?? null,
        runId: p.runId,
        startedAt: new Date().toISOString(),
      };
      return /** @type {[ServiceName, ServiceEntry]} */ ([name, entry]);
    }),
  );
  const failures = settled.filter((s) => s.status === 'rejected');
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failures.length > 0) {
    for (const [name, entry] of started) await stopPid(entry.pid, entry.dataDir, { log, label: name });
    throw new Error(failures.map((f) => String(/** @type {PromiseRejectedResult} */ (f).reason?.message ?? f)).join('\n\n'));
  }
  updateStateFile(p.stateFile, (s) => {
    for (const [name, entry] of started) s[name] = entry;
  });
  for (const [name, entry] of started) result[name] = entry;
  return result;
}

/**
 * The entry as currently recorded in its state file (a restart elsewhere may have changed the PID).
 * @param {ServiceName} name @param {ServiceEntry} entry @returns {ServiceEntry}
 */
function currentEntry(name, entry) {
  const onDisk = entry.stateFile ? readState(entry.stateFile)[name] : undefined;
  return onDisk && onDisk.dataDir === entry.dataDir ? onDisk : entry;
}

/**
 * Stops every service in `state` by its recorded PID (SIGINT, then SIGTERM, then SIGKILL after graceMs) and
 * removes it from its state file. Never kills by name, nor a PID that no longer runs our server.
 * @param {ServicesState} state
 * @param {{ log?: Logger, graceMs?: number, removeData?: boolean }} [opts]  removeData: also delete data dirs
 * @returns {Promise<void>}
 */
export async function stopServices(state, opts = {}) {
  const log = opts.log ?? defaultLog;
  await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const given = state?.[name];
      if (!given) return;
      const entry = currentEntry(name, given);
      await stopPid(entry.pid, entry.dataDir, { log, graceMs: opts.graceMs, label: name });
      if (entry.stateFile) {
        updateStateFile(entry.stateFile, (s) => {
          if (s[name] && s[name].dataDir === entry.dataDir) delete s[name];
        });
      }
      if (opts.removeData) {
        fs.rmSync(entry.dataDir, { recursive: true, force: true });
        if (entry.runId) {
          try {
            fs.rmdirSync(path.dirname(entry.dataDir)); // data/<runId>/ once both are gone
          } catch {
            /* not empty yet, or already gone */
          }
        }
      }
      log(`${name} stopped (pid ${entry.pid})`);
    }),
  );
}

/**
 * Kills one service abruptly (default SIGKILL) for fault tests, keeping its entry (port, data dir) so that
 * restartService can bring it back on the same URL with the same data.
 * @param {ServiceName} name @param {ServicesState} state
 * @param {{ signal?: NodeJS.Signals, log?: Logger }} [opts]
 */
export async function killService(name, state, opts = {}) {
  const given = state?.[name];
  if (!given) throw new Error(`killService: no ${name} in the given state`);
  const entry = currentEntry(name, given);
  if (!isAlive(entry.pid) || !isOurProcess(entry.pid, entry.dataDir)) return;
  process.kill(entry.pid, opts.signal ?? 'SIGKILL');
  const until = Date.now() + 30_000;
  while (isAlive(entry.pid)) {
    if (Date.now() > until) throw new Error(`killService: ${name} pid ${entry.pid} did not exit after ${opts.signal ?? 'SIGKILL'}`);
    await sleep(50);
  }
  (opts.log ?? defaultLog)(`${name} killed (pid ${entry.pid}, ${opts.signal ?? 'SIGKILL'})`);
}

/**
 * Restarts one service on the same port and data dir (data is NOT wiped): stops it first if it still runs
 * (gracefully), then starts it and waits until ready. Updates `state[name]` in place and its state file.
 * @param {ServiceName} name @param {ServicesState} state
 * @param {{ log?: Logger, timeoutMs?: number, graceMs?: number, cacheDir?: string }} [opts]
 * @returns {Promise<ServiceEntry>}
 */
export async function restartService(name, state, opts = {}) {
  const log = opts.log ?? defaultLog;
  const given = state?.[name];
  if (!given) throw new Error(`restartService: no ${name} in the given state (was it started by services-lib?)`);
  const entry = currentEntry(name, given);
  if (isAlive(entry.pid)) await stopPid(entry.pid, entry.dataDir, { log, graceMs: opts.graceMs, label: name });
  const envTimeout = Number(process.env.MEMOS_SERVICES_START_TIMEOUT_MS);
  const t0 = Date.now();
  const r = await launchWithRetry(name, {
    port: entry.port,
    fixedPort: true,
    dataDir: entry.dataDir,
    logFile: entry.logFile,
    watchPid: entry.watchPid && isAlive(entry.watchPid) ? entry.watchPid : null,
    cacheDir: opts.cacheDir,
    timeoutMs: opts.timeoutMs ?? (envTimeout > 0 ? envTimeout : DEFAULT_TIMEOUT_MS),
    log,
  });
  /** @type {ServiceEntry} */
  const next = { ...entry, pid: r.pid, url: r.url, startedAt: new Date().toISOString() };
  if (next.stateFile) {
    updateStateFile(next.stateFile, (s) => {
      s[name] = next;
    });
  }
  state[name] = next;
  log(`${name} restarted at ${next.url} (pid ${next.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return next;
}

/**
 * What runs, per the state file (default: the CLI's). Each entry gets `alive` (PID runs our server) and
 * `ready` (answers on its port).
 * @param {{ runId?: string, cacheDir?: string, stateFile?: string }} [opts]
 * @returns {Promise<{ [K in ServiceName]?: ServiceEntry & { alive: boolean, ready: boolean } }>}
 */
export async function statusServices(opts = {}) {
  const stateFile = opts.stateFile ?? servicePaths({ runId: opts.runId, cacheDir: opts.cacheDir }).stateFile;
  const state = readState(stateFile);
  /** @type {Awaited<ReturnType<typeof statusServices>>} */
  const out = {};
  for (const name of SERVICE_NAMES) {
    const e = state[name];
    if (!e) continue;
    const alive = isAlive(e.pid) && isOurProcess(e.pid, e.dataDir);
    out[name] = { ...e, alive, ready: alive && (await isReady(name, e)) };
  }
  return out;
}
