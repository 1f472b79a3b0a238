/** The registry: every rule memlint ships, in a fixed order. Add new rules here, one import and one entry each. */
import type { Rule } from './api';
import largePageSize from './large-page-size/python';
import largePageSizeTypescript from './large-page-size/typescript';
import unboundedCachePython from './unbounded-cache/python';
import dataframeFullLoad from './dataframe-full-load/python';
import wholeFileReadPython from './whole-file-read/python';
import longDbConnectionLifetime from './long-db-connection-lifetime/python';
import largeRequestBodyLimitPython from './large-request-body-limit/python';
import streamlitUploadLimit from './large-request-body-limit/streamlit';
import streamlitSetupScript from './large-request-body-limit/streamlit-setup-script';
import nPlusOnePython from './n-plus-one/python';
import unboundedQueryset from './unbounded-queryset/python';
import cpuDerivedWorkers from './cpu-derived-workers';
import missingWorkerRecycling from './missing-worker-recycling';
import nPlusOneTypescript from './n-plus-one/typescript';
import unboundedQueryTypescript from './unbounded-query/typescript';
import wholeFileReadTypescript from './whole-file-read/typescript';
import unboundedCacheTypescript from './unbounded-cache/typescript';
import largeRequestBodyLimitTypescript from './large-request-body-limit/typescript';
import tempFileLeak from './temp-file-leak/python';
import oversizedPool from './oversized-pool/python';
import schedulerInWebProcess from './scheduler-in-web-process/python';
import fileLoggingHandler from './file-logging-handler/python';
import fileLoggingHandlerUwsgi from './file-logging-handler/uwsgi';
import fileLoggingHandlerNode from './file-logging-handler/node';
import fileLoggingHandlerGunicorn from './file-logging-handler/gunicorn-command';
import fileLoggingHandlerLoggingConfig from './file-logging-handler/logging-config';
import budgetRules from './budget-rules';
import browserPerRequestPython from './browser-per-request/python';
import browserPerRequestTypescript from './browser-per-request/typescript';
import modelLoadPerRequest from './model-load-per-request/python';
import sessionMemoryStore from './session-memory-store/typescript';
import multipleServersPerInstance from './multiple-servers-per-instance/deploy';
import debugReloader from './multiple-servers-per-instance/python';
import serverReloader from './multiple-servers-per-instance/reloader';
import threadPerRequest from './thread-per-request/python';

export const allRules: readonly Rule[] = [
  largePageSize,
  largePageSizeTypescript,
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
  fileLoggingHandlerUwsgi,
  fileLoggingHandlerNode,
  fileLoggingHandlerGunicorn,
  fileLoggingHandlerLoggingConfig,
  ...budgetRules,
  browserPerRequestPython,
  browserPerRequestTypescript,
  modelLoadPerRequest,
  sessionMemoryStore,
  multipleServersPerInstance,
  debugReloader,
  serverReloader,
  threadPerRequest,
];
