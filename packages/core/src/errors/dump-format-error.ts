import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/** A MemCube dump cannot be read (unknown major format version, corrupt file). */
export class DumpFormatError extends MemosError {
  readonly path: string;
  /** Format version found in the dump, when readable. */
  readonly formatVersion?: string;

  constructor(path: string, message: string, options: MemosErrorOptions & { formatVersion?: string } = {}) {
    super('MEMOS_DUMP_FORMAT', `${path}: ${message}`, options);
    this.path = path;
    if (options.formatVersion !== undefined) this.formatVersion = options.formatVersion;
  }
}
