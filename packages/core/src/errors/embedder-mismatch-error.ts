import { MemosError } from './memos-error.ts';

/** Vectors of one embedder were about to be compared with another's. */
export class EmbedderMismatchError extends MemosError {
  readonly cubeId: string;
  /** Fingerprint the cube was built with. */
  readonly expected: string;
  /** Fingerprint of the embedder in use. */
  readonly actual: string;

  constructor(cubeId: string, expected: string, actual: string) {
    super(
      'MEMOS_EMBEDDER_MISMATCH',
      `Cube ${JSON.stringify(cubeId)} was built with embedder ${expected}, but ${actual} is configured; ` +
        're-embed the cube (migrateCube) or configure the original embedder',
    );
    this.cubeId = cubeId;
    this.expected = expected;
    this.actual = actual;
  }
}
