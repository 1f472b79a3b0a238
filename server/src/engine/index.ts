/** The engine's public surface, bundled as dist/engine.js for scripts and benchmarks. */
export { Workspace } from './workspace';
export { scanParallel } from './parallel-scan';
export { disableStatementCachesInThisThread } from '../../../analysis/cache';
export { buildReport } from './report';
export { initParsers } from './parsers';
export type { Finding, FileResult, Note } from './types';
export { workspaceBudgets } from './budget';
