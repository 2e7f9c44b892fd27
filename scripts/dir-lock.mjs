// @ts-check
/** A cross-process lock: a directory holding the owner's PID. Shared by the services and models scripts. */
import fs from 'node:fs';
import path from 'node:path';

/** @param {number | null | undefined} pid */
export function isAlive(pid) {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/**
 * Runs fn while holding the lock directory `lockDir`; stale locks of dead owners (or ownerless ones older
 * than 30 s) are taken over. Waits at most `timeoutMs`, saying once through `log` whom it waits for.
 * @template T
 * @param {{ lockDir: string, timeoutMs: number, log: (message: string) => void, label?: string, pollMs?: number }} options
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withDirLock(options, fn) {
  const { lockDir, log } = options;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
      } catch {
        /* being created, or the owner died between mkdir and write */
      }
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lockDir).mtimeMs;
      } catch {
        continue;
      }
      if ((owner && !isAlive(owner)) || (!owner && age > 30_000)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${options.label ?? 'lock'} ${lockDir} (held by pid ${owner})`);
      if (!announced) log(`waiting for pid ${owner || '?'} (holds ${path.basename(lockDir)})…`);
      announced = true;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
