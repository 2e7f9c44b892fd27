import { ValidationError } from '../errors/validation-error.ts';
import type { ItemFilter, MemoryStatus } from '../spec/index.ts';
import type { FilterInput } from './mos-inputs.ts';
import { toOptionalIsoTime } from './to-iso-time.ts';

/** Statuses a time-travel (`asOf`/`knownAt`) query considers: everything that can have been valid then, except deleted. */
export const AS_OF_STATUSES: MemoryStatus[] = ['active', 'invalidated', 'expired', 'merged', 'archived'];

/**
 * Turns a caller's filter into the store filter: normalises times, scopes to the cubes, applies
 * the default statuses (`active`, or {@link AS_OF_STATUSES} when travelling in time) and TTL: when
 * the statuses asked for leave out `expired`, items past their `expiresAt` at the query's system
 * time (`knownAt`, else `now`) are left out too (`expiresAfter`), swept or not, pinned ones excepted.
 */
export function resolveFilter(options: {
  filter: FilterInput | undefined;
  cubeIds: string[];
  asOf: string | undefined;
  knownAt?: string | undefined;
  /** The current time (ISO): the TTL instant of queries without `knownAt`. */
  now: string;
  field: string;
}): ItemFilter & { cubeIds: string[] } {
  const { filter = {}, field } = options;
  const { createdFrom, createdTo, validFrom, validTo, ...rest } = filter;
  const resolved: ItemFilter & { cubeIds: string[] } = { ...rest, cubeIds: options.cubeIds };
  const times = {
    createdFrom: toOptionalIsoTime(createdFrom, `${field}.createdFrom`),
    createdTo: toOptionalIsoTime(createdTo, `${field}.createdTo`),
    validFrom: toOptionalIsoTime(validFrom, `${field}.validFrom`),
    validTo: toOptionalIsoTime(validTo, `${field}.validTo`),
  };
  for (const [key, value] of Object.entries(times)) if (value !== undefined) resolved[key as keyof typeof times] = value;
  if (times.createdFrom && times.createdTo && times.createdFrom > times.createdTo) throw new ValidationError(`${field}.createdTo`, 'must not be before createdFrom');
  if (times.validFrom && times.validTo && times.validFrom > times.validTo) throw new ValidationError(`${field}.validTo`, 'must not be before validFrom');
  if (options.asOf !== undefined) resolved.asOf = options.asOf;
  if (options.knownAt !== undefined) resolved.knownAt = options.knownAt;
  resolved.statuses ??= options.asOf === undefined && options.knownAt === undefined ? ['active'] : AS_OF_STATUSES;
  if (!resolved.statuses.includes('expired')) resolved.expiresAfter = options.knownAt ?? options.now;
  return resolved;
}
