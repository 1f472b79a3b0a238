/**
 * native-thread-env: Python images (Dockerfiles) and render.yaml Python services whose requirements pull
 * native thread pools (numpy, pandas, scipy, scikit-learn, torch, opencv, onnxruntime, dlib/face_recognition)
 * without OMP/OpenBLAS/MKL/numexpr thread caps, and threaded gunicorn servers (gthread, `--threads`) without
 * MALLOC_ARENA_MAX. The fix adds one ENV instruction to the final stage (or the variables to the service's
 * envVars).
 */
import type { From } from 'dockerfile-ast';
import { defineRule, type OffsetEdit, type RuleContext } from '../api';
import { dockerfilePipInstalls, pythonPackages } from '../../analysis/deploy/app-facts';
import { dirOf, lineStarts, offsetAt, Workspace, type SourceLocation } from '../../analysis/deploy/deploy-files';
import { finalStageChain, findDeploys, renderServices } from '../../analysis/deploy/deploys';
import { readersOf, type YamlReader, type YAMLMap } from '../../analysis/deploy/yaml-read';
import { isGunicornConfigFile } from '../../analysis/deploy/gunicorn-config';
import { imageFileSource } from '../../analysis/deploy/image-files';
import { checkGunicornConfig, checkUwsgiIni } from './configs';
import { checkStartFile } from './start-files';
import { arenaMessage, capsMessage, needsOf, threadedRange, THREAD_CAPS, variables } from './needs';

const PYTHON_IMAGE = /(^|\/)(python|pypy|continuumio|miniconda|mambaforge|micromamba|conda|pytorch|tensorflow|jupyter|uv)([:/@-]|$)/i;

export default defineRule({
  meta: {
    id: 'native-thread-env',
    kinds: ['dockerfile', 'yaml', 'python', 'ini', 'procfile', 'shell'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'native-threads': 'Native libraries ({{libraries}}) start a thread per host CPU per worker: set OMP_NUM_THREADS=1',
      'malloc-arenas': 'Threaded gunicorn without MALLOC_ARENA_MAX, so malloc arenas fragment memory: set it to {{arena}}',
      'gunicorn-config-threads': '{{threads}} threads per gunicorn worker and no MALLOC_ARENA_MAX, so malloc arenas fragment memory',
      'uwsgi-threads': '{{threads}} threads per uWSGI worker and no MALLOC_ARENA_MAX, so malloc arenas fragment memory',
    },
    trigger: /pip|python|requirements|poetry|pipenv|uv |conda|gunicorn|runtime|FROM|threads/i,
    options: {
      threads: { type: 'number', default: 1, description: 'The thread count the fix gives OMP/OpenBLAS/MKL/numexpr.' },
      mallocArenaMax: { type: 'number', default: 2, description: 'The MALLOC_ARENA_MAX the fix sets for threaded servers.' },
    },
    docs: {
      summary: 'A Python image with native thread pools and no thread caps, or a threaded server without MALLOC_ARENA_MAX.',
      whatItDoes:
        'Finds Dockerfiles (and render.yaml Python services) whose requirements (requirements*.txt, pyproject.toml, Pipfile, ' +
        'poetry.lock, `pip install` lines) pull numpy, pandas, scipy, scikit-learn, torch, opencv, onnxruntime or ' +
        'dlib/face_recognition, and that set none of `OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS`, ' +
        '`NUMEXPR_MAX_THREADS` — in any stage the final stage builds on, in the platform\'s env list (render.yaml, compose, ' +
        'fly.toml, Kubernetes, app.json) or in the start command. Installed is not loaded: when every process of the deploy ' +
        'leads to project modules, the libraries count only if a module those processes load imports one, directly or ' +
        'through a package that imports it (pandas, langchain, sentence_transformers, transformers: the table in ' +
        'analysis/deploy/native-imports.ts); numpy listed for an offline script is not reported. When the processes cannot ' +
        'be followed (a uWSGI ini, an image with no command), a library that no Python source under the deploy\'s folder ' +
        'imports is not reported either, when every process is a server that loads only the project\'s code (not `jupyter`, ' +
        '`streamlit`, `mlflow`); otherwise the requirements decide. It also finds a threaded gunicorn (`--threads`, ' +
        '`-k gthread`, `worker_class`/`threads` in the gunicorn config) without `MALLOC_ARENA_MAX` (gevent and eventlet ' +
        'workers run their greenlets on one OS thread, so they are not reported for it), and a ' +
        'gunicorn `UvicornWorker` whose app (the modules it loads, followed from the start command) runs threads of its own: ' +
        'FastAPI/Starlette sync `def` endpoints (run on a 40-thread pool), a `BackgroundScheduler`, a `ThreadPoolExecutor`. ' +
        'Where the deploy\'s environment is not in the repository (a Heroku Procfile), the threaded gunicorn config itself ' +
        '(`threads = 5`) is reported, and so is a uWSGI `[uwsgi]` section with `threads` above 1 that a deploy starts without ' +
        '`MALLOC_ARENA_MAX`. A Procfile process or a start script (`start.sh`, App Service\'s `startup.sh`) of a deploy ' +
        'without a Dockerfile or render.yaml is reported in that file, without a fix (the variables belong in the platform\'s ' +
        'settings): a threaded gunicorn without `MALLOC_ARENA_MAX`, and missing thread caps when the modules it loads import a ' +
        'native-threaded library.',
      whyIsThisBad:
        'OpenMP, OpenBLAS and MKL size their thread pools from the CPUs the container reports, which is the host\'s count ' +
        '(8 to 64), not the plan\'s share. Every gunicorn or celery worker then starts that many native threads, each with its ' +
        'own stack and buffers, and they fight over the one or two CPUs the plan really has. Threaded servers add a second ' +
        'cost: glibc gives threads their own malloc arenas (up to 8 per CPU), and memory freed in one arena is not reused by ' +
        'another, so resident memory grows with fragmentation until the instance runs out; `MALLOC_ARENA_MAX=2` bounds it.',
      example: {
        fileName: 'Dockerfile',
        code: `FROM python:3.12-slim
WORKDIR /app
RUN pip install --no-cache-dir gunicorn pandas
COPY . .
CMD ["gunicorn", "app:app", "--workers", "2"]
`,
      },
      useInstead: {
        fileName: 'Dockerfile',
        code: `FROM python:3.12-slim
ENV OMP_NUM_THREADS=1 \\
    OPENBLAS_NUM_THREADS=1 \\
    MKL_NUM_THREADS=1 \\
    NUMEXPR_MAX_THREADS=1
WORKDIR /app
RUN pip install --no-cache-dir gunicorn pandas
COPY . .
CMD ["gunicorn", "app:app", "--workers", "2"]
`,
      },
      fixSafety:
        'Unsafe: adds one `ENV` instruction to the final stage, after its `FROM` and any `ENV` lines (or the variables to the ' +
        'render.yaml service\'s `envVars`). Native libraries then use one thread per worker process: a single-worker service ' +
        'that does heavy numeric work gets slower (raise `threads` there), and multi-threaded BLAS reductions can round ' +
        'differently in the last bits, so results are not proven identical.',
      notes: 'Railway keeps variables in its dashboard, not in railway.json/railway.toml: set them there.',
    },
  },
  check(ctx) {
    const arenaMax = Math.max(1, Math.floor(ctx.options.mallocArenaMax as number));
    if (ctx.file.kind === 'dockerfile') checkDockerfile(ctx);
    else if (ctx.file.roles.has('render')) checkRender(ctx);
    else if (ctx.file.kind === 'python' && isGunicornConfigFile(ctx.file)) checkGunicornConfig(ctx, arenaMax);
    else if (ctx.file.kind === 'ini') checkUwsgiIni(ctx, arenaMax);
    else if (ctx.file.kind === 'procfile' || ctx.file.kind === 'shell') checkStartFile(ctx);
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Dockerfiles

function checkDockerfile(ctx: RuleContext): void {
  const text = ctx.file.text;
  const dockerfile = ctx.dockerfile();
  const froms = dockerfile.getFROMs();
  if (froms.length === 0) return;
  const ws = Workspace.of(ctx);
  const file = ctx.file.relPath;
  const chain = finalStageChain(text, dockerfile);
  const inChain = (offset: number) => chain.some(([s, e]) => offset >= s && offset < e);
  const starts = lineStarts(text);
  const chainFroms = froms.filter((f) => inChain(offsetAt(starts, text, f.getRange().start)));

  const pip = dockerfilePipInstalls(text, dirOf(file));
  // `COPY ./app/requirements.txt /app/requirements.txt` then `pip install -r /app/requirements.txt`: the file it copies.
  const copiedRequirements = pip.imagePaths.map((p) => imageFileSource(ws, file, dirOf(file), p)).filter((f): f is string => f !== undefined);
  const packages = pythonPackages(ws, dirOf(file), [...pip.requirementFiles, ...copiedRequirements]);
  for (const p of pip.packages) packages.add(p);
  // Python runs in the final image: a Python base image, or Python packages installed in a stage it is made of.
  const chainText = chain.map(([s, e]) => text.slice(s, e)).join('\n');
  const chainPip = dockerfilePipInstalls(chainText, dirOf(file));
  const pythonImage =
    chainFroms.some((f) => PYTHON_IMAGE.test(f.getImageName() ?? '')) ||
    chainPip.packages.length > 0 ||
    chainPip.requirementFiles.length > 0 ||
    /\b(poetry|pipenv|uv)\s+(install|sync)\b/.test(chainText);
  if (!pythonImage) return;

  const deploys = findDeploys(ws).filter((d) => d.dockerfile === file);
  const envNames = new Set<string>();
  for (const e of ws.env(file)) if (inChain(e.nameStart)) envNames.add(e.name);
  for (const d of deploys) for (const e of d.env) envNames.add(e.name);
  // Entrypoint scripts that export the variables.
  for (const d of deploys) {
    for (const script of new Set([...(d.scripts ?? []), ...d.processes.map((p) => p.file)])) {
      const scriptText = script !== file && /\.sh$/.test(script) ? ws.read(script) ?? '' : '';
      for (const name of [...THREAD_CAPS, 'MALLOC_ARENA_MAX']) if (new RegExp(`\\b${name}=`).test(scriptText)) envNames.add(name);
    }
  }
  const needs = needsOf(ws, deploys, packages, envNames, undefined, [dirOf(file)]);
  if (!needs.capsMissing && !needs.arenaMissing) return;

  const vars = variables(ctx, needs);
  const edit = dockerfileEnvEdit(text, dockerfile.getEscapeCharacter(), froms[froms.length - 1], chain[0], ws, file, vars);
  const fixes = edit ? [{ title: `Add ENV ${vars.map(([n, v]) => `${n}=${v}`).join(' ')}`, edits: [edit] }] : [];
  const final = froms[froms.length - 1];
  const imageRange = final.getImageRange() ?? final.getRange();
  const fromRange: [number, number] = [offsetAt(starts, text, imageRange.start), offsetAt(starts, text, imageRange.end)];
  if (needs.capsMissing) ctx.report({ start: fromRange[0], end: fromRange[1], ...capsMessage(needs, vars), fixes });
  if (needs.arenaMissing) {
    const range = threadedRange(file, needs.threaded!) ?? fromRange;
    ctx.report({ start: range[0], end: range[1], ...arenaMessage(needs, vars), fixes });
  }
}

/** One ENV instruction in the final stage, after its FROM and its last ENV. */
function dockerfileEnvEdit(text: string, escape: string, final: From, stage: [number, number], ws: Workspace, file: string, vars: [string, string][]): OffsetEdit | undefined {
  if (vars.length === 0) return undefined;
  const dockerfile = ws.dockerfile(file);
  const starts = lineStarts(text);
  let after = offsetAt(starts, text, final.getRange().end);
  for (const env of dockerfile?.getENVs() ?? []) {
    const start = offsetAt(starts, text, env.getRange().start);
    if (start >= stage[0] && start < stage[1]) after = Math.max(after, offsetAt(starts, text, env.getRange().end));
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineEnd = text.indexOf('\n', after);
  const at = lineEnd === -1 ? text.length : lineEnd + 1;
  const assignments = vars.map(([n, v]) => `${n}=${v}`);
  const body = assignments.length <= 2 ? `ENV ${assignments.join(' ')}` : `ENV ${assignments.join(` ${escape}${eol}    `)}`;
  return { start: at, end: at, newText: `${lineEnd === -1 ? eol : ''}${body}${eol}` };
}

// ---------------------------------------------------------------------------------------------------------------
// render.yaml

function checkRender(ctx: RuleContext): void {
  const ws = Workspace.of(ctx);
  const file = ctx.file.relPath;
  const deploys = findDeploys(ws).filter((d) => d.platform === 'render' && d.files[0] === file && d.runtime === 'python');
  if (deploys.length === 0) return;
  const services = new Map<string, { reader: YamlReader; service: YAMLMap }>();
  for (const { reader, root } of readersOf(ctx.yaml())) {
    for (const service of renderServices(reader, root)) {
      const name = reader.text(reader.get(service, 'name')) ?? reader.text(reader.get(service, 'type')) ?? 'web';
      services.set(`${file}#${name}`, { reader, service });
    }
  }
  for (const deploy of deploys) {
    const packages = pythonPackages(ws, deploy.dir);
    const envNames = new Set(deploy.env.map((e) => e.name));
    const needs = needsOf(ws, [deploy], packages, envNames);
    if (!needs.capsMissing && !needs.arenaMissing) continue;
    const vars = variables(ctx, needs);
    const yaml = services.get(deploy.id);
    const edit = yaml ? renderEnvEdit(ctx.file.text, yaml.reader, yaml.service, vars) : undefined;
    const fixes = edit ? [{ title: `Add ${vars.map(([n, v]) => `${n}=${v}`).join(' ')} to envVars`, edits: [edit] }] : [];
    const where: SourceLocation | undefined = deploy.definedAt;
    if (!where) continue;
    if (needs.capsMissing) ctx.report({ start: where.start, end: where.end, ...capsMessage(needs, vars), fixes });
    if (needs.arenaMissing) {
      const range = threadedRange(file, needs.threaded!) ?? [where.start, where.end];
      ctx.report({ start: range[0], end: range[1], ...arenaMessage(needs, vars), fixes });
    }
  }
}

/** `- key: NAME` / `value: "1"` items after the last envVars item, or a new `envVars:` at the end of the service. */
function renderEnvEdit(text: string, reader: YamlReader, service: YAMLMap, vars: [string, string][]): OffsetEdit | undefined {
  if (vars.length === 0) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineStartOf = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const insertAfterLineOf = (offset: number): { at: number; prefix: string } => {
    let end = offset;
    while (end > 0 && /\s/.test(text[end - 1])) end--;
    const nl = text.indexOf('\n', end);
    return nl === -1 ? { at: text.length, prefix: eol } : { at: nl + 1, prefix: '' };
  };
  const envVars = reader.seq(reader.get(service, 'envVars'));
  if (envVars) {
    if (envVars.flow || envVars.items.length === 0) return undefined;
    const first = reader.range(envVars.items[0]);
    const last = reader.range(envVars.items[envVars.items.length - 1]);
    if (!first || !last) return undefined;
    const itemPrefix = text.slice(lineStartOf(first[0]), first[0]);
    const m = /^([ \t]*)-([ \t]+)$/.exec(itemPrefix);
    if (!m) return undefined;
    const keyIndent = ' '.repeat(itemPrefix.length);
    const { at, prefix } = insertAfterLineOf(last[1]);
    return { start: at, end: at, newText: prefix + vars.map(([n, v]) => `${m[1]}-${m[2]}key: ${n}${eol}${keyIndent}value: "${v}"${eol}`).join('') };
  }
  if (service.flow || service.items.length === 0) return undefined;
  const firstKey = reader.range(service.items[0].key);
  const range = reader.range(service);
  if (!firstKey || !range) return undefined;
  const indent = firstKey[0] - lineStartOf(firstKey[0]);
  const linePrefix = text.slice(lineStartOf(firstKey[0]), firstKey[0]);
  const ind = ' '.repeat(indent);
  if (!/^[ \t]*(-[ \t]+)?$/.test(linePrefix)) return undefined;
  const { at, prefix } = insertAfterLineOf(range[1]);
  return { start: at, end: at, newText: `${prefix}${ind}envVars:${eol}${vars.map(([n, v]) => `${ind}  - key: ${n}${eol}${ind}    value: "${v}"${eol}`).join('')}` };
}
