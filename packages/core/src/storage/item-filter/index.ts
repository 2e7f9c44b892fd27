export { matchesFilter, validAsOf, knownAt, unexpiredAt } from './matches-filter.ts';
export { compareItems, compareStrings, type ItemOrder } from './compare-items.ts';
export { validateItemFilter, isIsoTimestamp, isMetadataScalar } from './validate-item-filter.ts';
