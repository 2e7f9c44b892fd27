import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { FilterInput, MemOS, MemorySource, SearchHit, SignalBreakdown, SignalWeights, TimeInput } from '@memos-js/core';

/** Options of {@link MemOSRetriever}. */
export interface MemOSRetrieverOptions extends BaseRetrieverInput {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** Acting user: only cubes this user can read are searched. */
  userId: string;
  /** Cubes to search (default: every cube the user can read). */
  cubeIds?: string[];
  /** Documents returned (default 5). */
  topK?: number;
  /** MemOS filter: memory types, tags, session, metadata, time ranges, statuses. */
  filter?: FilterInput;
  /** Time travel: return what was valid and known at this instant. */
  asOf?: TimeInput;
  /** Per-call fusion weights of the hybrid search. */
  weights?: Partial<SignalWeights>;
}

/** Metadata of a document returned by {@link MemOSRetriever}. */
export interface MemOSDocumentMetadata extends Record<string, unknown> {
  /** Memory item id. */
  id: string;
  /** Fused hybrid-search score (weighted reciprocal rank fusion). */
  score: number;
  /** Per-signal raw score and rank (vector, keyword, graph). */
  signals: SignalBreakdown;
  memoryType: string;
  /** Provenance: speaker, role, message id, chat time, session, document path. */
  sources: MemorySource[];
  cubeId: string;
  /** World time the fact became true (ISO-8601), if known. */
  validAt?: string;
  /** World time the fact stopped being true (ISO-8601), if invalidated. */
  invalidAt?: string;
  createdAt: string;
  updatedAt: string;
  key: string;
  tags: string[];
  status: string;
  version: number;
  sessionId?: string;
  /** The item's own metadata. */
  itemMetadata: Record<string, unknown>;
}

/** A search hit as a LangChain `Document` (memory text as `pageContent`, id as `id`). */
export function hitToDocument(hit: SearchHit): Document<MemOSDocumentMetadata> {
  const { item } = hit;
  const metadata: MemOSDocumentMetadata = {
    id: item.id,
    score: hit.score,
    signals: hit.signals,
    memoryType: item.memoryType,
    sources: item.sources,
    cubeId: item.cubeId,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    key: item.key,
    tags: item.tags,
    status: item.status,
    version: item.version,
    itemMetadata: item.metadata,
  };
  if (item.validAt !== undefined) metadata.validAt = item.validAt;
  if (item.invalidAt !== undefined) metadata.invalidAt = item.invalidAt;
  if (item.sessionId !== undefined) metadata.sessionId = item.sessionId;
  return new Document({ pageContent: item.text, metadata, id: item.id });
}

/**
 * A LangChain retriever over MemOS hybrid search (vectors + BM25 + graph neighbours, fused).
 * Use it anywhere a retriever fits: `retriever.invoke(query)`, or piped into a runnable chain.
 */
export class MemOSRetriever extends BaseRetriever<MemOSDocumentMetadata> {
  lc_namespace = ['memos_js', 'retrievers'];
  readonly mos: MemOS;
  readonly userId: string;
  readonly cubeIds: string[] | undefined;
  readonly topK: number;
  readonly filter: FilterInput | undefined;
  readonly asOf: TimeInput | undefined;
  readonly weights: Partial<SignalWeights> | undefined;

  static override lc_name(): string {
    return 'MemOSRetriever';
  }

  constructor(options: MemOSRetrieverOptions) {
    const { mos, userId, cubeIds, topK, filter, asOf, weights, ...base } = options;
    super(base);
    this.mos = mos;
    this.userId = userId;
    this.cubeIds = cubeIds;
    this.topK = topK ?? 5;
    this.filter = filter;
    this.asOf = asOf;
    this.weights = weights;
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<MemOSDocumentMetadata>[]> {
    const { hits } = await this.mos.search({
      userId: this.userId,
      query,
      topK: this.topK,
      ...(this.cubeIds !== undefined ? { cubeIds: this.cubeIds } : {}),
      ...(this.filter !== undefined ? { filter: this.filter } : {}),
      ...(this.asOf !== undefined ? { asOf: this.asOf } : {}),
      ...(this.weights !== undefined ? { weights: this.weights } : {}),
    });
    return hits.map(hitToDocument);
  }
}
