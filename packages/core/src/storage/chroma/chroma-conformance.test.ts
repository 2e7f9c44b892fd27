import { afterAll, inject } from 'vitest';
import { describeVectorStoreConformance } from '../../testing/vector-store-conformance.ts';
import { uniqueSuffix } from '../../testing/fixtures.ts';
import { createChromaVectorStore } from './create-chroma-vector-store.ts';

const url = inject('chromaUrl') || process.env.MEMOS_CHROMA_URL || '';
if (url === '') throw new Error('No Chroma server: run through vitest (test/global-setup.ts) or set MEMOS_CHROMA_URL');
/** One prefix per file run: collections of this file never meet another file's. */
const collectionPrefix = `t-conf-${uniqueSuffix()}`;

describeVectorStoreConformance({
  name: 'chroma',
  async create() {
    const store = createChromaVectorStore({ url, collectionPrefix });
    await store.setup();
    return store;
  },
});

afterAll(async () => {
  const store = createChromaVectorStore({ url, collectionPrefix });
  await store.setup();
  await store.dropCollections();
  await store.close();
});
