import type { ChromaClient, Collection } from 'chromadb';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';
import type { Logger } from '../../spec/logger.ts';
import { toChromaStorageError } from './chroma-errors.ts';
import { collectionName } from './chroma-options.ts';

/** Value of the `memosLayout` collection metadata key written by this version. */
export const CHROMA_LAYOUT = 'vector-space/1';

/** An opened collection of one embedder space. */
export interface SpaceCollection {
  name: string;
  collection: Collection;
}

/** Options of {@link ChromaSpaces}. */
export interface ChromaSpacesOptions {
  client: ChromaClient;
  prefix: string;
  /** HNSW settings of collections created here (`space` is always cosine). */
  hnsw: { ef_search: number; ef_construction?: number; max_neighbors?: number };
  logger?: Logger | undefined;
}

/**
 * Finds, creates and verifies the collection of each embedder space (one per fingerprint; see
 * `ChromaVectorStore`) and caches the handles. A collection found on the server is checked before use:
 * its metadata must name the same fingerprint (else `StorageError`: a hash clash or a foreign
 * collection under our prefix) and dimension (else `ValidationError`), and its distance must be cosine.
 */
export class ChromaSpaces {
  readonly #client: ChromaClient;
  readonly #prefix: string;
  readonly #hnsw: ChromaSpacesOptions['hnsw'];
  readonly #logger: Logger | undefined;
  readonly #cache = new Map<string, Promise<SpaceCollection>>();

  constructor(options: ChromaSpacesOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#hnsw = options.hnsw;
    this.#logger = options.logger;
  }

  /** The collection name of a space. */
  nameOf(space: EmbedderInfo): string {
    return collectionName(this.#prefix, space.fingerprint);
  }

  /** The space's collection, or undefined when it was never created (a miss is not cached). */
  async find(space: EmbedderInfo, operation: string): Promise<SpaceCollection | undefined> {
    const cached = this.#cache.get(space.fingerprint);
    if (cached !== undefined) return checkCached(await cached, space);
    const name = this.nameOf(space);
    let collection: Collection;
    try {
      // Our collections record no embedding function, so the client loads none (it has no `null` option here).
      collection = await this.#client.getCollection({ name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toChromaStorageError(error, operation);
    }
    verify(collection, space, operation);
    const opened = { name, collection };
    if (!this.#cache.has(space.fingerprint)) this.#cache.set(space.fingerprint, Promise.resolve(opened));
    return opened;
  }

  /** The space's collection, created (cosine, `ef_search`, fingerprint and dimension in its metadata) when missing. */
  async ensure(space: EmbedderInfo, operation: string): Promise<SpaceCollection> {
    let pending = this.#cache.get(space.fingerprint);
    if (pending === undefined) {
      pending = this.#create(space, operation);
      this.#cache.set(space.fingerprint, pending);
      pending.catch(() => {
        if (this.#cache.get(space.fingerprint) === pending) this.#cache.delete(space.fingerprint);
      });
    }
    return checkCached(await pending, space);
  }

  /** Drops a cached handle (after the server said the collection is gone). */
  forget(space: EmbedderInfo): void {
    this.#cache.delete(space.fingerprint);
  }

  /** Drops every cached handle. */
  clear(): void {
    this.#cache.clear();
  }

  async #create(space: EmbedderInfo, operation: string): Promise<SpaceCollection> {
    const name = this.nameOf(space);
    let collection: Collection;
    try {
      collection = await this.#client.getOrCreateCollection({
        name,
        embeddingFunction: null,
        configuration: { hnsw: { ...this.#hnsw, space: 'cosine' } },
        metadata: { fingerprint: space.fingerprint, dimension: space.dimension, memosLayout: CHROMA_LAYOUT },
      });
    } catch (error) {
      throw toChromaStorageError(error, operation);
    }
    verify(collection, space, operation);
    this.#logger?.debug('chroma: collection ready', { name, fingerprint: space.fingerprint, dimension: space.dimension });
    return { name, collection };
  }
}

/** True for the client's 404 error. */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ChromaNotFoundError';
}

function checkCached(opened: SpaceCollection, space: EmbedderInfo): SpaceCollection {
  const dimension = opened.collection.metadata?.['dimension'];
  if (dimension !== space.dimension) throw dimensionError(opened.name, space, dimension);
  return opened;
}

function verify(collection: Collection, space: EmbedderInfo, operation: string): void {
  const metadata = collection.metadata ?? {};
  const fingerprint = metadata['fingerprint'];
  if (fingerprint !== space.fingerprint) {
    throw new StorageError(
      'chroma',
      operation,
      `collection ${collection.name} belongs to embedder ${JSON.stringify(fingerprint ?? null)}, not ${JSON.stringify(space.fingerprint)} ` +
        '(another program uses this collection prefix, or the fingerprints share a hash prefix)',
    );
  }
  if (metadata['dimension'] !== space.dimension) throw dimensionError(collection.name, space, metadata['dimension']);
  const configuration = collection.configuration as { hnsw?: { space?: unknown } | null; spann?: { space?: unknown } | null } | undefined;
  const distance = configuration?.hnsw?.space ?? configuration?.spann?.space ?? metadata['hnsw:space'];
  if (distance !== undefined && distance !== null && distance !== 'cosine') {
    throw new StorageError('chroma', operation, `collection ${collection.name} uses distance ${String(distance)}, not cosine`);
  }
}

function dimensionError(name: string, space: EmbedderInfo, recorded: unknown): ValidationError {
  return new ValidationError(
    'space.dimension',
    `is ${space.dimension}, but collection ${name} of embedder ${JSON.stringify(space.fingerprint)} holds ${String(recorded)}-dimensional vectors`,
  );
}
