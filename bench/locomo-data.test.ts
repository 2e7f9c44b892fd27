import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_NO_DATA, locateLocomo, locomoHelp } from './locomo-data.ts';

const ROOT = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'memos-locomo-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('LoCoMo data location', () => {
  it('takes --data, then MEMOS_LOCOMO_PATH, then ../shared/data only when it exists', () => {
    const lonely = join(scratch, 'clone'); // its parent has no shared/ folder
    expect(locateLocomo({ data: 'a.json', env: 'b.json', repoRoot: lonely }).path).toBe(resolve('a.json'));
    expect(locateLocomo({ data: undefined, env: 'b.json', repoRoot: lonely }).path).toBe(resolve('b.json'));
    const none = locateLocomo({ data: undefined, env: undefined, repoRoot: lonely });
    expect(none.path).toBeNull();
    expect(none.tried).toEqual(['--data (not given)', 'MEMOS_LOCOMO_PATH (not set)', join(scratch, 'shared', 'data', 'locomo-dev.json')]);
  });

  it('explains what LoCoMo is, its licence, where to get it and the flags', () => {
    const text = locomoHelp('npm run bench:locomo', 'no data');
    expect(text).toMatch(/^npm run bench:locomo: no data\n/);
    for (const part of ['CC BY-NC 4.0', 'github.com/snap-research/LoCoMo', '`npm run bench:locomo -- --data ', 'MEMOS_LOCOMO_PATH=']) expect(text).toContain(part);
  });
});

describe('npm run bench:locomo without its data', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--conditions=memos-source', 'bench/locomo.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

  it('prints the paragraph and exits with code 2, without a stack trace, for a missing file', () => {
    const missing = join(scratch, 'missing.json');
    const result = run(['--data', missing]);
    expect(result.status).toBe(EXIT_NO_DATA);
    expect(result.stderr).toContain(`--data ${missing}: no such file.`);
    expect(result.stderr).toContain('CC BY-NC 4.0');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('does the same for a file that is not LoCoMo data', () => {
    const bogus = join(scratch, 'bogus.json');
    writeFileSync(bogus, '{"not": "an array"}');
    const result = run([], { MEMOS_LOCOMO_PATH: bogus });
    expect(result.status).toBe(EXIT_NO_DATA);
    expect(result.stderr).toContain(`${bogus} could not be read as LoCoMo data: expected a JSON array`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
