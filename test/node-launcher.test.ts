/**
 * scripts/node24.mjs (npm start / npm test / benchmarks on an old system Node) and scripts/run-tests.mjs
 * (every `npm test` pass runs). The old-Node cases use the system Node at /usr/bin/node when it is older
 * than the engines range (v20 on the project's machines); they are skipped, saying so, where it is not. Where
 * .node/ has no Node 24 yet, the first of them installs it there (npm package node@24, ~5 s), as `npm start` would.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const LAUNCHER = join(ROOT, 'scripts', 'node24.mjs');
const SYSTEM_NODE = '/usr/bin/node';
const scratch = mkdtempSync(join(tmpdir(), 'memos-node24-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const versionOf = (bin: string): string => (existsSync(bin) ? spawnSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim() : '');
const isOld = (version: string): boolean => {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major < 22 || (major === 22 && minor < 13);
};
const systemVersion = versionOf(SYSTEM_NODE);
const oldNode = systemVersion !== '' && isOld(systemVersion);

/** Runs the launcher with `node` (a path) and no npm_* variables of an outer npm run. */
function launch(node: string, args: string[], env: Record<string, string> = {}, launcher = LAUNCHER) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return spawnSync(node, [launcher, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...clean, ...env }, timeout: 300_000 });
}

describe('scripts/node24.mjs on a Node that satisfies the engines range', () => {
  it('runs the command with the running Node, silently, passing the exit code through', () => {
    const ok = launch(process.execPath, ['-p', 'process.version']);
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toBe(process.version);
    expect(ok.stderr).toBe('');
    const seven = launch(process.execPath, ['-e', 'process.exit(7)']);
    expect(seven.status).toBe(7);
    expect(launch(process.execPath, ['--notice']).stderr).toBe('');
  });

  it('passes node flags through (the memos-source condition of npm start)', () => {
    const result = launch(process.execPath, ['--conditions=memos-source', '--input-type=module', '-e', "console.log(import.meta.resolve('@memos-js/core'))"]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/\/packages\/core\/src\/index\.ts$/);
  });
});

describe.skipIf(!oldNode)(`scripts/node24.mjs on the system Node ${systemVersion || '(none at /usr/bin/node)'}`, () => {
  it('runs the command under Node >= 22.13 from .node/, saying so in one line', () => {
    const result = launch(SYSTEM_NODE, ['-p', 'process.version + " " + process.execPath']);
    expect(result.status).toBe(0);
    const [version, execPath] = result.stdout.trim().split(' ');
    expect(isOld(version ?? '')).toBe(false);
    expect(execPath).toBe(join(ROOT, '.node', 'node_modules', 'node', 'bin', 'node'));
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[memos\\] Node ${systemVersion.replace(/\./g, '\\.')} is older than this project's >=22\\.13: (running under|installing) Node`));
  });

  it('puts Node 24 first on PATH for child processes and keeps the exit code', () => {
    const result = launch(SYSTEM_NODE, ['-e', "const r = require('node:child_process').spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }); console.log(r.stdout.trim()); process.exit(3)"]);
    expect(result.status).toBe(3);
    expect(isOld(result.stdout.trim())).toBe(false);
  });

  it('--notice prints one line about the EBADENGINE warnings and installs nothing', () => {
    const result = launch(SYSTEM_NODE, ['--notice']);
    expect(result.status).toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("hence npm's EBADENGINE warnings");
  });

  it('fails within seconds with the manual fix when node@24 cannot be installed', () => {
    // A copy of the launcher in an empty "clone" (no .node/) and an unreachable registry.
    const clone = join(scratch, 'clone');
    mkdirSync(join(clone, 'scripts'), { recursive: true });
    cpSync(LAUNCHER, join(clone, 'scripts', 'node24.mjs'));
    const t0 = Date.now();
    const result = launch(SYSTEM_NODE, ['-p', '1'], { npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0', PATH: `/usr/bin:${process.env.PATH ?? ''}` }, join(clone, 'scripts', 'node24.mjs'));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('installing Node 24 (npm package node@24) into .node/');
    expect(result.stderr).toMatch(/could not install node@24 into \.node\/ .*Install Node >=22\.13 yourself/);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
});

describe('scripts/run-tests.mjs', () => {
  interface RunTests {
    runPasses(passes: { name: string; args: string[]; env?: Record<string, string> }[], opts?: { log?: (line: string) => void }): Promise<{ failed: string[]; code: number }>;
    testPasses(extra: string[]): { name: string; args: string[]; env?: Record<string, string> }[];
  }
  const load = async (): Promise<RunTests> => (await import(new URL('../scripts/run-tests.mjs', import.meta.url).href)) as RunTests;

  it('runs every pass even when an earlier one fails, and fails if any failed', async () => {
    const { runPasses } = await load();
    const marker = join(scratch, 'ran');
    const lines: string[] = [];
    const result = await runPasses(
      [
        { name: 'first', args: ['-e', 'process.exit(1)'] },
        { name: 'second', args: ['-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, process.env.X)`], env: { X: 'yes' } },
        { name: 'third', args: ['-e', 'process.exit(0)'] },
      ],
      { log: (line) => lines.push(line) },
    );
    expect(existsSync(marker)).toBe(true);
    expect(result).toEqual({ failed: ['first'], code: 1 });
    expect(lines.at(-1)).toMatch(/^\n\[test\] first FAILED \(exit 1\) in [\d.]+ s \| second ok in [\d.]+ s \| third ok in [\d.]+ s$/);
    expect(await runPasses([{ name: 'only', args: ['-e', '0'] }], { log: () => {} })).toEqual({ failed: [], code: 0 });
  });

  it('has the typecheck, the main vitest pass and the browser pass (dropped when vitest arguments are given)', async () => {
    const { testPasses } = await load();
    expect(testPasses([]).map((p) => p.name)).toEqual(['typecheck', 'vitest', 'browser (Next.js)']);
    expect(testPasses([]).at(-1)?.env).toEqual({ MEMOS_SKIP_SERVICES: '1' });
    expect(testPasses(['some/file.test.ts']).map((p) => p.name)).toEqual(['typecheck', 'vitest']);
  });
});
