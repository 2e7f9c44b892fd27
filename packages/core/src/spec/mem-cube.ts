/** MemCube and user records (ARCHITECTURE §1). */

/** Identity of an embedder: a cube's vectors are only comparable with the same fingerprint. */
export interface EmbedderInfo {
  /** Stable fingerprint: provider, model, dimension and options that change vectors. */
  fingerprint: string;
  dimension: number;
}

/** The persistent configuration of a MemCube. */
export interface MemCubeConfig {
  id: string;
  name: string;
  ownerId: string;
  description?: string;
  /** Embedder the cube was built with (set on creation). */
  embedder: EmbedderInfo;
  /** Schema version of the cube's data model. */
  schemaVersion: number;
  /** Users (besides the owner) who can read or write. */
  acl: CubeAclEntry[];
  /** Cube this one was copied or migrated from. */
  lineage?: { parentCubeId?: string; migratedFrom?: string; loadedFrom?: string };
  createdAt: string;
  updatedAt: string;
}

/**
 * One sharing grant: `read` (search, get, history), `write` (also change, and see/restore deleted
 * items), `share` (also export the cube with `dumpCube`).
 */
export interface CubeAclEntry {
  userId: string;
  access: 'read' | 'write' | 'share';
}

/** A user of the MOS. */
export interface UserRecord {
  id: string;
  name: string;
  role: 'admin' | 'user';
  createdAt: string;
}
