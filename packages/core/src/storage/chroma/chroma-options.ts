import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors/validation-error.ts';
import type { Logger } from '../../spec/logger.ts';

/** Options of `createChromaVectorStore`. */
export interface ChromaVectorStoreOptions {
  /** Server URL, e.g. `http://127.0.0.1:8000` (`http:` or `https:`, no path; the port defaults to 80 / 443). */
  url: string;
  /** Chroma tenant. Default: the server's default for the caller (`default_tenant` on a local server). */
  tenant?: string;
  /** Chroma database inside the tenant. Default: the server's default (`default_database`). */
  database?: string;
  /**
   * Prefix of every collection this store creates: `<prefix>_<16 hex digits of SHA-1(fingerprint)>`.
   * 1–400 characters of `[a-zA-Z0-9._-]`, starting with a letter or digit, no `..`. Default `memos`.
   * Stores with different prefixes never see each other's vectors (tests use one prefix per file).
   */
  collectionPrefix?: string;
  /**
   * Most records per upsert / get / delete request. Default and upper bound: the server's max batch
   * size (`getMaxBatchSize()`, read once per store).
   */
  batchSize?: number;
  /**
   * HNSW `ef_search` of collections this store creates (larger: closer to exact, slower). Default 200.
   * Collections that already exist keep the value they were created with.
   */
  efSearch?: number;
  /**
   * HNSW `ef_construction` / `max_neighbors` (M) of collections this store creates. Default: Chroma's
   * (100 / 16). Higher values build slower and recall better on high-dimensional data (random 1024-d
   * vectors: recall@10 about 0.6 with the defaults, about 0.98 with 200 / 32 and `efSearch` 500).
   */
  efConstruction?: number;
  /** See {@link ChromaVectorStoreOptions.efConstruction}. */
  maxNeighbors?: number;
  /** Most results one query request asks for while widening over ties at the cut. Default 10,000. */
  maxQueryResults?: number;
  /** Receives debug messages (collection creation). Default: none. */
  logger?: Logger;
  /** Extra HTTP headers on every request, e.g. `{ 'x-chroma-token': '…' }` for a server with token auth. */
  headers?: Record<string, string>;
}

/** Where the client connects, as `ChromaClient` wants it. */
export interface ChromaEndpoint {
  host: string;
  port: number;
  ssl: boolean;
}

/** Default `collectionPrefix`. */
export const DEFAULT_COLLECTION_PREFIX = 'memos';
/** Default HNSW `ef_search` of new collections. */
export const DEFAULT_EF_SEARCH = 200;
/** Default cap on `nResults` of one query. */
export const DEFAULT_MAX_QUERY_RESULTS = 10_000;

const PREFIX_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,399}$/;

/** Parses `options.url` into host, port and ssl (ValidationError when it is not a plain http(s) origin). */
export function parseChromaUrl(url: unknown): ChromaEndpoint {
  if (typeof url !== 'string' || url.length === 0) throw new ValidationError('url', 'must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ValidationError('url', `is not a URL: ${JSON.stringify(url)}`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ValidationError('url', 'must use http: or https:');
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '') {
    throw new ValidationError('url', 'must have no path, query or fragment (the client serves /api/v2 at the origin)');
  }
  if (parsed.username !== '' || parsed.password !== '') throw new ValidationError('url', 'must not contain credentials; pass `headers`');
  const ssl = parsed.protocol === 'https:';
  const port = parsed.port === '' ? (ssl ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname, port, ssl };
}

/** Checks `collectionPrefix` (Chroma names: 3–512 of `[a-zA-Z0-9._-]`, alphanumeric at both ends, no `..`). */
export function validateCollectionPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix) || prefix.includes('..')) {
    throw new ValidationError('collectionPrefix', 'must be 1-400 characters of [a-zA-Z0-9._-], start with a letter or digit and contain no ".."');
  }
  return prefix;
}

/** Checks an optional positive integer option. */
export function validatePositiveInteger(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new ValidationError(field, 'must be a positive integer');
  return value;
}

/** The collection of an embedder space: `<prefix>_<first 16 hex digits of SHA-1(fingerprint)>`. */
export function collectionName(prefix: string, fingerprint: string): string {
  return `${prefix}_${createHash('sha1').update(fingerprint).digest('hex').slice(0, 16)}`;
}
