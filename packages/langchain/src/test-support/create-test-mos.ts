import { createMemOS, type MemOS, type MemOSOptions } from '@memos-js/core';

/** A set-up MemOS on an in-memory SQLite database, with user `alice` owning cube `alice-notes` (tests only). */
export async function createTestMos(options: MemOSOptions = {}): Promise<MemOS> {
  const mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, ...options });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createCube({ userId: 'alice', id: 'alice-notes', name: 'Alice notes' });
  return mos;
}
