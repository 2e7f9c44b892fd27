/**
 * vitest globalSetup: real Neo4j, Chroma and Redis servers for the tests.
 *
 * - `MEMOS_NEO4J_URL` / `MEMOS_CHROMA_URL` / `MEMOS_REDIS_URL` set: those servers are used (nothing is started
 *   for them).
 * - `MEMOS_SKIP_SERVICES=1`: nothing is started; `neo4jUrl` / `chromaUrl` / `redisUrl` are '' (fast local unit runs only —
 *   tests that need a server fail loudly).
 * - otherwise: servers started by `node scripts/services.mjs start` (.cache/services/state.json) are reused
 *   when they run and answer (opt out with `MEMOS_REUSE_SERVICES=0`); the rest are installed if needed and
 *   started by scripts/services-lib.mjs for this run only (own data/logs under .cache/services/…/vitest-<pid>,
 *   exit with this process), and stopped again at teardown.
 *
 * Tests read `inject('neo4jUrl')`, `inject('chromaUrl')`, `inject('redisUrl')`; fault tests pass `inject('servicesState')` to
 * `restartService(name, state)` / `killService(name, state)` from scripts/services-lib.mjs.
 */
import type { TestProject } from 'vitest/node';

/** One server as recorded by scripts/services-lib.mjs (JSON-serializable). */
export interface ServiceEntry {
  url: string;
  pid: number;
  port: number;
  dataDir: string;
  logFile: string;
  stateFile: string;
  watchPid: number | null;
  runId: string | null;
  startedAt: string;
}

export interface ServicesState {
  neo4j?: ServiceEntry;
  chroma?: ServiceEntry;
  redis?: ServiceEntry;
}

type ServiceName = 'neo4j' | 'chroma' | 'redis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** bolt://host:port of a real Neo4j 5.26 (auth off, or any credentials accepted); '' with MEMOS_SKIP_SERVICES=1 */
    neo4jUrl: string;
    /** http://host:port of a real Chroma server (API v2); '' with MEMOS_SKIP_SERVICES=1 */
    chromaUrl: string;
    /** redis://host:port of a real Redis (>= 6.2, no auth, loopback) for the BullMQ job queue; '' with MEMOS_SKIP_SERVICES=1 */
    redisUrl: string;
    /** The servers this run manages (absent for ones given by MEMOS_*_URL), for restartService/killService. */
    servicesState: ServicesState;
  }
}

/** The part of scripts/services-lib.mjs used here (plain JS, so typed by hand). */
interface ServicesLib {
  startServices(opts: {
    which: ServiceName[];
    log?: (message: string) => void;
    runId?: string;
    watchPid?: number | null;
  }): Promise<ServicesState>;
  stopServices(state: ServicesState, opts?: { log?: (message: string) => void; removeData?: boolean }): Promise<void>;
  statusServices(opts?: { runId?: string }): Promise<{
    [K in ServiceName]?: ServiceEntry & { alive: boolean; ready: boolean };
  }>;
}

const log = (message: string): void => {
  process.stderr.write(`[services] ${message}\n`);
};

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.MEMOS_SKIP_SERVICES === '1') {
    log('MEMOS_SKIP_SERVICES=1: no Neo4j/Chroma/Redis; tests that need them will fail');
    project.provide('neo4jUrl', '');
    project.provide('chromaUrl', '');
    project.provide('redisUrl', '');
    project.provide('servicesState', {});
    return undefined;
  }

  const urls: Record<ServiceName, string> = {
    neo4j: process.env.MEMOS_NEO4J_URL ?? '',
    chroma: process.env.MEMOS_CHROMA_URL ?? '',
    redis: process.env.MEMOS_REDIS_URL ?? '',
  };
  const state: ServicesState = {};
  let missing = (['neo4j', 'chroma', 'redis'] as const).filter((name) => !urls[name]);
  let started: ServicesState = {};

  if (missing.length > 0) {
    // A computed specifier keeps tsc from needing types for the plain-JS module.
    const libUrl = new URL('../scripts/services-lib.mjs', import.meta.url).href;
    const lib = (await import(libUrl)) as ServicesLib;

    if (process.env.MEMOS_REUSE_SERVICES !== '0') {
      const running = await lib.statusServices();
      for (const name of missing) {
        const entry = running[name];
        if (entry?.ready) {
          const { alive: _alive, ready: _ready, ...plain } = entry;
          urls[name] = entry.url;
          state[name] = plain;
          log(`using ${name} from scripts/services.mjs at ${entry.url} (pid ${entry.pid})`);
        }
      }
      missing = missing.filter((name) => !urls[name]);
    }

    if (missing.length > 0) {
      const t0 = Date.now();
      started = await lib.startServices({
        which: missing,
        log,
        runId: `vitest-${process.pid}`,
        watchPid: process.pid,
      });
      for (const name of missing) {
        const entry = started[name];
        if (!entry) throw new Error(`services-lib did not start ${name}`);
        urls[name] = entry.url;
        state[name] = entry;
      }
      log(`started ${missing.join(' + ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    project.provide('neo4jUrl', urls.neo4j);
    project.provide('chromaUrl', urls.chroma);
    project.provide('redisUrl', urls.redis);
    project.provide('servicesState', state);

    if (Object.keys(started).length === 0) return undefined;
    return async () => {
      await lib.stopServices(started, { log, removeData: true });
    };
  }

  project.provide('neo4jUrl', urls.neo4j);
  project.provide('chromaUrl', urls.chroma);
  project.provide('redisUrl', urls.redis);
  project.provide('servicesState', state);
  return undefined;
}
