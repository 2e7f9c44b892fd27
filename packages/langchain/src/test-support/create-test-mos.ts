import { createMemOS, type AdapterIdentity, type MemOS, type MemOSOptions } from '@memos-js/core';
import type { ScopeSource } from '../scope/resolve-scope.ts';

/** A set-up MemOS on an in-memory SQLite database, with user `alice` owning cube `alice-notes` (tests only). */
export async function createTestMos(options: MemOSOptions = {}): Promise<MemOS> {
  const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, ...options });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createCube({ userId: 'alice', id: 'alice-notes', name: 'Alice notes' });
  return mos;
}

/** The victim's secret, stored in `alice-notes` by {@link createTwoUserMos}. */
export const ALICE_SECRET = 'Alice keeps the spare door key under the blue flower pot';

/**
 * {@link createTestMos} plus user `bob` owning `bob-notes`, and {@link ALICE_SECRET} in Alice's cube:
 * the fixture of the hostile-client tests (Bob's client tries to reach Alice's memories).
 */
export async function createTwoUserMos(): Promise<MemOS> {
  const mos = await createTestMos();
  await mos.createUser({ id: 'bob', name: 'Bob' });
  await mos.createCube({ userId: 'bob', id: 'bob-notes', name: 'Bob notes' });
  await mos.add({ userId: 'alice', cubeId: 'alice-notes', text: ALICE_SECRET, memoryType: 'fact' });
  return mos;
}

/**
 * A server-side identity resolver as a deployed graph has it: LangGraph Platform authenticates the
 * request and sets `configurable.langgraph_auth_user` itself (clients cannot), so only that is read.
 */
export function serverIdentity({ configurable }: ScopeSource): AdapterIdentity | undefined {
  const user = configurable?.['langgraph_auth_user'] as { identity?: unknown } | undefined;
  return typeof user?.identity === 'string' ? { userId: user.identity, cubeId: `${user.identity}-notes` } : undefined;
}

/** Bob's authenticated run, with every client-settable field pointing at Alice. */
export const HOSTILE_BOB_RUN = {
  configurable: { thread_id: 'bob-thread', langgraph_auth_user: { identity: 'bob' }, userId: 'alice', cubeId: 'alice-notes', cubeIds: ['alice-notes'] },
  context: { userId: 'alice', cubeId: 'alice-notes', cubeIds: ['alice-notes'] },
};
