import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/ai-sdk-generate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memos-ai-sdk-generate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs with one command, offline: turn 1 is written, turn 2 gets it injected', async () => {
    const env = { ...process.env, MEMOS_DATA_DIR: dir, OPENAI_API_KEY: '' };
    const { stdout } = await run(process.execPath, ['--conditions=memos-source', 'examples/ai-sdk-generate/main.ts'], { env, timeout: 60_000 });
    expect(stdout).toContain(`embedded SQLite at ${join(dir, 'ai-sdk-generate.db')}`);
    expect(stdout).toContain('model: scripted offline model');
    const [, turn1 = '', turn2 = ''] = stdout.split(/^turn \d .*$/m);
    expect(turn1).toContain('injected memories: none');
    expect(turn1).toContain('providerMetadata.memos: {"injected":[],');
    expect(turn1).toMatch(/memories written this turn \(2\):\n {2}\+ (\S+) {2}Priya: Hi! I'm Priya\. I just adopted a dog, a beagle called Biscuit\.\n {2}\+ \S+ {2}Assistant: \(scripted model\) Nice to meet you!/);
    const biscuitId = /\+ (\S+) {2}Priya: Hi!/.exec(turn1)?.[1];
    // Only what the user said: the assistant's own "Nice to meet you! I will remember that." is never injected.
    expect(turn2).toMatch(/injected memories \(1\):\n {2}- (\S+) {2}Priya: Hi! I'm Priya\. I just adopted a dog, a beagle called Biscuit\.\nproviderMetadata/);
    expect(turn2).toContain(`providerMetadata.memos: {"injected":["${biscuitId}"],`);
    expect(turn2).toContain("assistant: (scripted model) From memory: Priya: Hi! I'm Priya. I just adopted a dog, a beagle called Biscuit.");
    expect(turn2).toMatch(/memories written this turn \(2\):\n {2}\+ \S+ {2}Priya: What is my dog called\?/);
    expect(stdout).toContain('memories in cube priya-chats: 4');
  }, 60_000);
});
