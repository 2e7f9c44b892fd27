/**
 * examples/nextjs-chat in a real browser: builds the packages (`tsc -b`, the app consumes their
 * `dist/`) and the app (`next build`), starts `next start` on a free port with a fresh MEMOS_DATA_DIR
 * and no OPENAI_API_KEY (the offline scripted model, so replies are exact), then drives Debian's
 * Chromium through playwright-core: two messages, the reply streaming in, the memory panel beside
 * each reply, and a screenshot in test-output/nextjs-chat.png.
 *
 * Needs /usr/bin/chromium (`apt-get install -y --no-install-recommends chromium`); without it the test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const APP = join(ROOT, 'examples', 'nextjs-chat');
const NEXT_BIN = join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const TSC_BIN = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test-output', 'nextjs-chat.png');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--disable-component-update', '--disable-sync',
];

const FIRST_REPLY = "Noted, I'll remember that for next time.";
const SECOND_REPLY = 'From what you told me before: "My dog is called Biscuit."';

const NEXT_TMP = join(ROOT, '.cache', 'nextjs-chat-tmp');
mkdirSync(NEXT_TMP, { recursive: true });

/** Environment of the build and the server: production, offline model, nothing installed behind our back. */
function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // A private TMPDIR: Next's build must never touch the temporary files of the test runner itself.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', CI: '1', TMPDIR: NEXT_TMP, ...extra };
  delete env['OPENAI_API_KEY'];
  return env;
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(label: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise(performance.now() - started);
      else reject(new Error(`${label} failed (exit ${code ?? signal}):\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Kills a detached child's whole process group, SIGKILL after a grace period. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Records the successive text lengths of the assistant reply at `index` (a MutationObserver in the
 * page), to tell a streamed reply from one that appears at once. A string: the root type-check has no DOM lib.
 */
const recordStream = (index: number) => `(() => {
  const lengths = [];
  const read = () => {
    const el = document.querySelectorAll('[data-testid="assistant-text"]')[${index}];
    const n = el ? el.textContent.length : 0;
    if (n > 0 && lengths[lengths.length - 1] !== n) lengths.push(n);
  };
  const observer = new MutationObserver(read);
  observer.observe(document.querySelector('[data-testid="messages"]'), { subtree: true, childList: true, characterData: true });
  window.__replyLengths = { lengths, stop: () => { observer.disconnect(); read(); } };
})()`;

interface Turn {
  reply: string;
  lengths: number[];
  injected: string[];
  created: string[];
}

/** Sends a message and waits for the reply and its memory panel to be complete. */
async function sendTurn(page: Page, index: number, text: string): Promise<Turn> {
  await page.evaluate(recordStream(index));
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('send').click();
  const message = page.getByTestId('assistant-message').nth(index);
  await message.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
  await message.locator('[data-testid="created-memories"][data-state="done"]').waitFor({ timeout: 30_000 });
  const lengths = (await page.evaluate('(window.__replyLengths.stop(), window.__replyLengths.lengths)')) as number[];
  const memories = (list: string) => message.locator(`[data-testid="${list}"] [data-testid="memory"] .memory-text`).allTextContents();
  return {
    reply: (await message.getByTestId('assistant-text').textContent()) ?? '',
    lengths,
    injected: await memories('injected-memories'),
    created: await memories('created-memories'),
  };
}

function expectStreamed(turn: Turn): void {
  // Text appeared in several steps, always growing, ending with the full reply.
  expect(turn.lengths.length, `reply lengths seen: ${turn.lengths.join(', ')}`).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < turn.lengths.length; i++) expect(turn.lengths[i]).toBeGreaterThan(turn.lengths[i - 1]!);
  expect(turn.lengths.at(-1)).toBe(turn.reply.length);
}

describe('examples/nextjs-chat in Chromium', () => {
  let server: ChildProcess | undefined;
  let serverLog = '';
  let browser: Browser | undefined;
  let dataDir = '';
  let baseUrl = '';
  const killOnExit = () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Debian's Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y --no-install-recommends chromium\` (the CI script does).`);
    }
    // The app resolves @memos-js/* to their built dist/ (default export condition): build them (incremental).
    const tscMs = await run('tsc -b (packages)', [TSC_BIN, '-b'], ROOT, process.env);
    const buildMs = await run('next build', [NEXT_BIN, 'build'], APP, appEnv({}));
    console.log(`nextjs-chat: tsc -b ${(tscMs / 1000).toFixed(1)} s, next build ${(buildMs / 1000).toFixed(1)} s`);

    dataDir = await mkdtemp(join(tmpdir(), 'memos-nextjs-chat-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: APP,
      env: appEnv({ MEMOS_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole
    });
    process.once('exit', killOnExit);
    const collect = (chunk: Buffer) => void (serverLog = (serverLog + chunk.toString()).slice(-20_000));
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) throw new Error(`next start exited (${server.exitCode ?? server.signalCode}):\n${serverLog}`);
      try {
        const response = await fetch(baseUrl, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`next start not ready after 60 s:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await killGroup(server);
    process.off('exit', killOnExit);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('streams replies and shows the injected and created memories beside each one', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 760 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(baseUrl);
    // The page makes its session id after hydration; the form is usable from then on.
    await page.locator('[data-testid="session-id"]', { hasText: /^web-/ }).waitFor({ timeout: 15_000 });

    const first = await sendTurn(page, 0, 'My dog is called Biscuit.');
    expect(first.reply).toBe(FIRST_REPLY);
    expectStreamed(first);
    expect(first.injected).toEqual([]);
    expect(await page.getByTestId('assistant-message').nth(0).getByTestId('injected-memories').textContent()).toMatch(/^none/);
    expect(first.created).toEqual(['My dog is called Biscuit.', FIRST_REPLY]);

    const second = await sendTurn(page, 1, 'What is my dog called?');
    expect(second.reply).toBe(SECOND_REPLY);
    expect(second.reply).toContain('Biscuit');
    expectStreamed(second);
    expect(second.injected[0]).toBe('My dog is called Biscuit.');
    expect(second.created).toEqual(['What is my dog called?', SECOND_REPLY]);

    // Each reply has its own panel; the first one was not changed by the second turn.
    await expect.poll(() => page.getByTestId('memory-panel').count()).toBe(2);
    expect(await page.getByTestId('assistant-message').nth(0).locator('[data-testid="created-memories"] [data-testid="memory"]').count()).toBe(2);

    await mkdir(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
