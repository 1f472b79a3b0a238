/** The registry: every rule memlint ships, in a fixed order. Add new rules here, one import and one entry each. */
import type { Rule } from './api';
import largePageSize from './python/large-page-size';

export const allRules: readonly Rule[] = [
  largePageSize,
];
