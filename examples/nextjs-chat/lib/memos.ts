/**
 * The app's MemOS: one per server process, created on first use. Server-only (node:sqlite).
 *
 * The SQLite file is `<MEMOS_DATA_DIR>/nextjs-chat.db`, `MEMOS_DATA_DIR` defaulting to `.memos` in the
 * app directory (the working directory of `next dev` / `next start`). Environment is read when the
 * MemOS is first needed, never at import time.
 */
import { join, resolve } from 'node:path';
import { ConflictError, NotFoundError, createMemOS, type MemOS } from '@memos-js/core';

interface Holder {
  mos?: Promise<MemOS>;
  /** userId -> promise of that user's cube id (user and cube created on first use). */
  cubes: Map<string, Promise<string>>;
}

// Kept on globalThis so that `next dev` hot reloads reuse the open database instead of opening another.
const KEY = Symbol.for('memos-js.examples.nextjs-chat');
function holder(): Holder {
  const scope = globalThis as typeof globalThis & { [KEY]?: Holder };
  return (scope[KEY] ??= { cubes: new Map() });
}

/** Path of the SQLite file, from `MEMOS_DATA_DIR` (default `./.memos`). */
export function databasePath(): string {
  // turbopackIgnore: a run-time path, not a file of the app for the build to trace.
  return join(resolve(/* turbopackIgnore: true */ process.env['MEMOS_DATA_DIR'] ?? '.memos'), 'nextjs-chat.db');
}

/** The process-wide MemOS, set up once (a failed setup is retried by the next call). */
export function getMemOS(): Promise<MemOS> {
  const h = holder();
  h.mos ??= (async () => {
    const mos = createMemOS({ storage: { kind: 'sqlite', path: databasePath() } });
    await mos.setup();
    return mos;
  })().catch((error: unknown) => {
    h.mos = undefined;
    throw error;
  });
  return h.mos;
}

/** The cube a user's chats are written to: `<userId>-chats`, created with the user on first use. */
export function chatCubeId(userId: string): string {
  return `${userId}-chats`;
}

/** Makes sure the user and their chat cube exist (idempotent, safe under concurrent requests); returns the cube id. */
export function ensureChatCube(mos: MemOS, userId: string): Promise<string> {
  const h = holder();
  let cube = h.cubes.get(userId);
  if (cube === undefined) {
    cube = (async () => {
      const cubeId = chatCubeId(userId);
      await createIfMissing(() => mos.getUser({ userId }), () => mos.createUser({ id: userId, name: userId }));
      await createIfMissing(() => mos.getCube({ userId, cubeId }), () => mos.createCube({ userId, id: cubeId, name: `Chats of ${userId}` }));
      return cubeId;
    })();
    h.cubes.set(userId, cube);
    cube.catch(() => h.cubes.delete(userId));
  }
  return cube;
}

async function createIfMissing(get: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> {
  try {
    await get();
    return;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    await create();
  } catch (error) {
    // Another process sharing the file created it in between: fine.
    if (!(error instanceof ConflictError)) throw error;
  }
}
