import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the main job (npm start)', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ingests, searches with provenance, versions, time-travels and dumps on the embedded default', async () => {
    dir = await mkdtemp(join(tmpdir(), 'memos-main-job-'));
    const { stdout } = await run(process.execPath, ['--conditions=memos-source', 'examples/main-job/main.ts'], { env: { ...process.env, MEMOS_DATA_DIR: dir }, timeout: 60_000 });
    expect(stdout).toContain('Ingested 15 turns from 3 sessions');
    expect(stdout).toMatch(/search: "What is the name of Priya's dog\?".*\n {2}1\. \[[\d.]+\] Priya: Hey Tom! I finally adopted a dog .*Biscuit\.\n {7}Priya · S1:1 · 2024-03-03 19:12 · vector#\d+ keyword#\d+/);
    expect(stdout).toMatch(/search: "Which instrument does Tom play\?".*\n {2}1\. \[[\d.]+\] Tom: I played my first cello recital/);
    expect(stdout).toMatch(/ {2}v1 create .*\n {2}v2 update .*\(She added strawberries in May\.\)/);
    // The invalidated fact is gone from a default search but visible as of a time when it was true.
    expect(stdout).toMatch(/search now: .*\n {2}1\. \[[\d.]+\] Tom: Honestly, I don't like sushi anymore/);
    expect(stdout).toMatch(/search asOf 2024-05-01: .*\n {2}1\. \[[\d.]+\] Tom: Ha, my favourite food is still sushi/);
    expect(stdout.split('search now:')[1]?.split('search asOf')[0]).not.toContain('still sushi');
    const manifest = JSON.parse(await readFile(join(dir, 'dumps', 'priya-and-tom', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'memos-cube', formatVersion: '1.0', counts: { memories: 15, edges: 13, versions: 17, embeddings: 15 } });
  }, 60_000);
});
