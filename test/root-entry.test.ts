import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The core's root entry (types, errors, the MOS class) and the framework packages must not load SQLite or a
// database driver at import time, so `@memos-js/ai-sdk` runs where `node:sqlite` cannot; `createMemOS` loads
// the configured backend lazily in `setup()`.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HEAVY = /^(node:)?sqlite$|^sqlite-vec|^neo4j-driver|^chromadb/;

function loadedBy(entry: string, thenSetup = false): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { seen.add(specifier); return next(specifier, context); } });
    const mod = await import(${JSON.stringify(entry)});
    if (${thenSetup}) { const mos = mod.createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } }); await mos.setup(); await mos.close(); }
    console.log(JSON.stringify([...seen]));
  `;
  const out = execFileSync(process.execPath, ['--conditions=memos-source', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as string[]).filter((s) => HEAVY.test(s));
}

describe('entry points load no storage backend at import time', () => {
  it('@memos-js/core root', () => {
    expect(loadedBy('@memos-js/core')).toEqual([]);
  });

  it('@memos-js/ai-sdk and @memos-js/langchain', () => {
    expect(loadedBy('@memos-js/ai-sdk')).toEqual([]);
    expect(loadedBy('@memos-js/langchain')).toEqual([]);
  });

  it('loads SQLite only when a SQLite-backed MOS is set up (the check can fail)', () => {
    expect(loadedBy('@memos-js/core', true)).toEqual(expect.arrayContaining(['node:sqlite']));
  });
});
