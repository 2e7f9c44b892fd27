import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/langgraph-agent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memos-langgraph-agent-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs two turns of a compiled graph offline; the second turn retrieves the first', async () => {
    const env = { ...process.env, MEMOS_DATA_DIR: dir, OPENAI_API_KEY: '' };
    const { stdout } = await run(process.execPath, ['--conditions=memos-source', 'examples/langgraph-agent/main.ts'], { env, timeout: 60_000 });
    expect(stdout).toContain('model: offline fake chat model');
    expect(stdout).toContain('turn 1 (thread-1)\n  user: I am vegetarian and I love spicy Thai food.\n  retrieved memories: (none)\n  assistant: (offline model) Noted, I will remember that.');
    expect(stdout).toMatch(/turn 2 \(thread-2\)\n {2}user: Which food should I cook for dinner tonight\?\n {2}retrieved memories:\n {4}- \[\d\.\d{4}\] I am vegetarian and I love spicy Thai food\. {3}\(namespace memories\/sam, key /);
    expect(stdout).toContain('assistant: (offline model) I remember: I am vegetarian and I love spicy Thai food.');
    expect(stdout).toContain('store namespaces: [["memories","sam"]]');
    expect(stdout).toContain('store items in memories/sam: 2');
    expect(stdout).toMatch(/as MemOS memories:\n {2}- I am vegetarian and I love spicy Thai food\. {3}\(v1, long_term, created /);
  }, 60_000);
});
