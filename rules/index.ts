/** The registry: every rule memlint ships, in a fixed order. Add new rules here, one import and one entry each. */
import type { Rule } from './api';
import largePageSize from './python/large-page-size';
import unboundedCachePython from './python/unbounded-cache';
import dataframeFullLoad from './python/dataframe-full-load';
import wholeFileReadPython from './python/whole-file-read';
import longDbConnectionLifetime from './python/long-db-connection-lifetime';
import largeRequestBodyLimitPython from './python/large-request-body-limit';
import streamlitUploadLimit from './config/streamlit-upload-limit';
import streamlitSetupScript from './config/streamlit-setup-script';
import nPlusOnePython from './python/n-plus-one';
import unboundedQueryset from './python/unbounded-queryset';
import cpuDerivedWorkers from './config/cpu-derived-workers';
import missingWorkerRecycling from './config/missing-worker-recycling';
import nPlusOneTypescript from './typescript/n-plus-one';
import unboundedQueryTypescript from './typescript/unbounded-query';
import wholeFileReadTypescript from './typescript/whole-file-read';
import unboundedCacheTypescript from './typescript/unbounded-cache';
import largeRequestBodyLimitTypescript from './typescript/large-request-body-limit';
import tempFileLeak from './python/temp-file-leak';
import oversizedPool from './python/oversized-pool';
import schedulerInWebProcess from './python/scheduler-in-web-process';
import fileLoggingHandler from './python/file-logging-handler';
import budgetRules from './config/budget-rules';
import browserPerRequestPython from './python/browser-per-request';
import browserPerRequestTypescript from './typescript/browser-per-request';
import modelLoadPerRequest from './python/model-load-per-request';
import sessionMemoryStore from './typescript/session-memory-store';
import multipleServersPerInstance from './config/multiple-servers-per-instance';

export const allRules: readonly Rule[] = [
  largePageSize,
  unboundedCachePython,
  dataframeFullLoad,
  wholeFileReadPython,
  longDbConnectionLifetime,
  largeRequestBodyLimitPython,
  streamlitUploadLimit,
  streamlitSetupScript,
  nPlusOnePython,
  unboundedQueryset,
  ...cpuDerivedWorkers,
  ...missingWorkerRecycling,
  nPlusOneTypescript,
  unboundedQueryTypescript,
  wholeFileReadTypescript,
  unboundedCacheTypescript,
  largeRequestBodyLimitTypescript,
  tempFileLeak,
  oversizedPool,
  schedulerInWebProcess,
  fileLoggingHandler,
  ...budgetRules,
  browserPerRequestPython,
  browserPerRequestTypescript,
  modelLoadPerRequest,
  sessionMemoryStore,
  multipleServersPerInstance,
];
