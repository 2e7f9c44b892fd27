import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/langchain-chain', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memos-langchain-chain-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs with one command, offline, and answers from retrieved memories', async () => {
    const env = { ...process.env, MEMOS_DATA_DIR: dir, OPENAI_API_KEY: '' };
    const { stdout } = await run(process.execPath, ['--conditions=memos-source', 'examples/langchain-chain/main.ts'], { env, timeout: 60_000 });
    expect(stdout).toContain('model: offline fake chat model');
    expect(stdout).toMatch(/question: What is the name of Priya's dog\?\nretrieved memories:\n {2}1\. \[\d\.\d{4}\] Priya: I adopted a beagle called Biscuit last week, my first dog!/);
    expect(stdout).toContain('answer: (offline model) From memory: Priya: I adopted a beagle called Biscuit');
    expect(stdout).toMatch(/1\. \[\d\.\d{4}\] Priya runs the Leeds half marathon every October {3}\(fact,/);
    expect(stdout).toContain('answer: (offline model) From memory: Priya runs the Leeds half marathon every October');
  }, 60_000);
});
