import type { ChatMessageInput } from '../extraction/index.ts';
import type { ItemFilter, MetadataValue, SignalWeights } from '../spec/index.ts';

/** A time: ISO-8601 string, human chat time ("1:56 pm on 8 May, 2023"), Date or epoch milliseconds. */
export type TimeInput = string | Date | number;

export interface CreateUserInput {
  /** User id (default: a new UUID). */
  id?: string;
  /** Display name. */
  name: string;
  /** `admin` may access every cube (default `user`); creating an admin needs an admin `actorId`. */
  role?: 'admin' | 'user';
  /**
   * The user making the call (server-side identity). Required to create an `admin`: it must be an
   * admin itself (bootstrap the first one with the `rootUser` option of `createMemOS`).
   */
  actorId?: string;
}

export interface CreateCubeInput {
  /** Owner of the new cube. */
  userId: string;
  /** Cube id (default: a new UUID). */
  id?: string;
  name: string;
  description?: string;
}

export interface CubeRef {
  /** Acting user. */
  userId: string;
  cubeId: string;
}

export interface ShareCubeInput extends CubeRef {
  /** User who gets (or loses) access. */
  withUserId: string;
  /** `read`, `write` (also restore deleted items), `share` (also dump); `none` revokes. */
  access: 'read' | 'write' | 'share' | 'none';
}

interface AddCommon extends CubeRef {
  /** Conversation/session id (stored on items and sources; adjacent turns are linked). */
  sessionId?: string;
  /** Overrides the reader's memory type. */
  memoryType?: string;
  /** Added to every item. */
  tags?: string[];
  /** Merged into every item's metadata. */
  metadata?: Record<string, MetadataValue>;
  /** TTL: when the items expire (default reads leave them out from then on; `sweep` marks them `expired`). */
  expiresAt?: TimeInput;
  /** Pinned items are exempt from TTL. */
  pinned?: boolean;
}

/** Input of `add`: exactly one of `messages`, `text` or `document`. */
export type AddInput =
  | (AddCommon & {
      /** Chat messages; each becomes a memory in fast mode. */
      messages: ChatMessageInput[];
      /** Time of the session, used for messages without their own time. */
      sessionTime?: TimeInput;
    })
  | (AddCommon & {
      /** One plain-text memory. */
      text: string;
    })
  | (AddCommon & {
      /** A document, chunked into memories. */
      /** `time`: when the document was written (the memories' world time, `validAt`); default: when added. */
      document: { text: string; path?: string; title?: string; time?: TimeInput };
    });

/** Filters of search and getAll (see `ItemFilter`); times accept any `TimeInput`. */
export type FilterInput = Omit<ItemFilter, 'cubeIds' | 'asOf' | 'knownAt' | 'createdFrom' | 'createdTo' | 'validFrom' | 'validTo' | 'expiresAfter' | 'expiredBy'> & {
  createdFrom?: TimeInput;
  createdTo?: TimeInput;
  validFrom?: TimeInput;
  validTo?: TimeInput;
};

export interface SearchInput {
  userId: string;
  query: string;
  /** Cubes to search (default: every cube the user can read). */
  cubeIds?: string[];
  /** Results wanted (default 10). */
  topK?: number;
  filter?: FilterInput;
  /** World-time travel: facts that were true at this time (includes facts invalidated since). */
  asOf?: TimeInput;
  /** System-time travel: only what the system knew at this time. */
  knownAt?: TimeInput;
  /** Per-call fusion weights. */
  weights?: Partial<SignalWeights>;
}

export interface ItemRef {
  userId: string;
  /** Memory item id. */
  id: string;
}

export interface GetAllInput {
  userId: string;
  cubeIds?: string[];
  filter?: FilterInput & { asOf?: TimeInput; knownAt?: TimeInput };
  /** Page size (default 100). */
  limit?: number;
  offset?: number;
  order?: 'createdAt' | 'updatedAt';
  direction?: 'asc' | 'desc';
}

export interface UpdateInput extends ItemRef {
  text?: string;
  key?: string;
  /** Replaces the tags. */
  tags?: string[];
  /** Replaces the metadata. */
  metadata?: Record<string, MetadataValue>;
  memoryType?: string;
  importance?: number;
  /** New TTL, or null to remove it. */
  expiresAt?: TimeInput | null;
  /** Pin (exempt from TTL) or unpin. */
  pinned?: boolean;
  /** Recorded in the version history. */
  reason?: string;
}

export interface RemoveInput extends ItemRef {
  reason?: string;
}

export interface InvalidateInput extends ItemRef {
  /** When the fact stopped being true (default now). */
  invalidAt?: TimeInput;
  reason?: string;
  /** Id of the memory that replaces this one (a SUPERSEDES edge is recorded). */
  supersededBy?: string;
}

export interface RollbackInput extends ItemRef {
  /** Version to restore. */
  version: number;
  reason?: string;
}

export interface RelateInput {
  userId: string;
  from: string;
  to: string;
  type: 'PARENT' | 'RELATE_TO' | 'MERGED_TO' | 'SUPERSEDES' | 'CONFLICTS_WITH' | 'FOLLOWS' | 'DERIVED_FROM';
  /** Edge weight in [0, 1] (default 1). */
  weight?: number;
}

/**
 * An audit query. Without `cubeId`, non-admins see their own actions only; with it, the cube's
 * owner (or an admin) sees everyone's. Newest first.
 */
export interface AuditInput {
  userId: string;
  /** Records of this cube (including one deleted since). */
  cubeId?: string;
  /** Records naming this item. */
  itemId?: string;
  /** Records of this actor (default for non-admins outside their cubes: themselves). */
  actor?: string;
  /** Records of this action or these actions (e.g. `search`, `add`, `forget`). */
  action?: string | string[];
  /** Records at or after this time. */
  since?: string | Date | number;
  /** Records before this time. */
  until?: string | Date | number;
  /** Most records (default 1,000; at most 10,000). */
  limit?: number;
}

/**
 * What to forget (hard delete): items by id (`write` access), a whole cube (owner or admin), or
 * everything about a user (`forgetUserId`: that user themselves or an admin).
 */
export type ForgetInput =
  | { userId: string; ids: string[] }
  | { userId: string; cubeId: string }
  | { userId: string; forgetUserId: string };

export interface DumpCubeInput extends CubeRef {
  /** Target directory (created; must be empty or absent). */
  dir: string;
  /** Also write the vectors (default false: they are re-computed on load). */
  includeEmbeddings?: boolean;
}

export interface LoadCubeInput {
  /** The new owner. */
  userId: string;
  /** Dump directory. */
  dir: string;
  /** Load under this cube id instead of the dumped one. */
  cubeId?: string;
  /**
   * Give every item (and the cube, unless `cubeId` is set) a new id, remapping versions, edges and
   * embeddings consistently, so the same dump can be loaded twice. Without it, ids already in use
   * anywhere in the store are a `ConflictError`.
   */
  remintIds?: boolean;
}

/** Input of `sweep`. */
export interface SweepInput {
  /**
   * Acting user: sweeps the cubes they own or administer. Absent: a system sweep of every cube
   * (the runtime's own maintenance call; identity never comes from client input, so expose it only
   * to trusted server code).
   */
  userId?: string;
  /** Only these cubes (default: all the actor may sweep). */
  cubeIds?: string[];
}

export interface RepairInput {
  /** Acting user: must own (or administer) every cube repaired. */
  userId: string;
  /** Cubes to repair (default: every cube the user administers). */
  cubeIds?: string[];
}
