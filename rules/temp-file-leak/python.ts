/**
 * temp-file-leak: temporary files and directories that are created on every call and never deleted,
 * filling /tmp (RAM-backed on most platforms, or counted against the instance's disk).
 */
import { moduleDefEnd } from '../../analysis/python/module-def';
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSafety, type FixSpec, type OffsetEdit, type RuleContext } from '../api';
import { ancestor, captures, intValue, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { addImport, startsItsLine, wrapInTryFinally } from '../shared/python-edits';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { callsNamedInModule, StatementFindingsCache, statementCachesEnabled, statementsCoverText, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { StatementSlot, TreeSlot } from '../../analysis/cache';
import { pathFlow } from '../../analysis/python/temp-path-flow';
import { definitionsNamedInModule, escapeRegExp, importedNames, moduleText } from '../../analysis/python/web-context';

type Creator = 'named' | 'mkstemp' | 'mkdtemp' | 'mktemp' | 'write';

const CREATORS: Record<string, Creator> = {
  'tempfile.NamedTemporaryFile': 'named',
  'tempfile.mkstemp': 'mkstemp',
  'tempfile.mkdtemp': 'mkdtemp',
  'tempfile.mktemp': 'mktemp',
};

/** Calls that delete or move the file away (a moved file is no longer a temp file). */
const CLEANUP_FUNCTIONS = new Set(['os.unlink', 'os.remove', 'os.rmdir', 'os.rename', 'os.replace', 'os.renames', 'shutil.rmtree', 'shutil.move']);
/** Path methods that delete or move (not `replace`: that is also `str.replace`). */
const CLEANUP_METHODS = new Set(['unlink', 'rmdir', 'rename']);
/** Calls that hand the path to code running after the function returns. */
const ESCAPING_CALLS = /(^|\.)(delay|apply_async|send_task|submit|Thread|Process|Popen|add_task|enqueue|create_task|run_in_executor|start_new_thread|FileResponse|send_file|send_from_directory)$/;
/** Methods that write a file at the path given as their first argument. */
const WRITE_METHODS = new Set(['save', 'to_csv', 'to_parquet', 'to_excel', 'to_json', 'to_pickle', 'to_feather', 'savefig', 'download_file', 'extractall']);
/** Functions that write their second argument. */
const WRITE_TO_SECOND = new Set(['urllib.request.urlretrieve', 'shutil.copy', 'shutil.copyfile', 'shutil.copy2']);
/** Objects that create the file named by their first argument: PDF and spreadsheet writers. */
const FILE_WRITERS = new Set([
  'reportlab.pdfgen.canvas.Canvas', 'reportlab.platypus.SimpleDocTemplate', 'reportlab.platypus.doctemplate.SimpleDocTemplate',
  'xlsxwriter.Workbook',
]);
/** Archives that write their file when opened in a write mode. */
const ARCHIVE_WRITERS = new Set(['zipfile.ZipFile', 'tarfile.open']);
const GETTEMPDIR = 'tempfile.gettempdir()';
/** Workspace files that may hold a cleanup job for a temp folder. */
const CLEANUP_FILES = /(\.py|\.sh|Procfile|crontab|\.ya?ml|Dockerfile)$/;
const MAX_PROJECT_FILES = 2000;

export default defineRule({
  meta: {
    id: 'temp-file-leak',
    kinds: ['python'],
    defaultSeverity: 'warning',
    fix: 'unsafe',
    messages: {
      'never-deleted': '{{creator}} leaves {{what}} in /tmp per {{per}}: delete it in a finally block',
      'import-time': '{{creator}} leaves {{what}} in /tmp per worker start: delete it with atexit',
      returned: '{{creator}} leaves {{what}} in /tmp per {{per}}: delete it where it is used',
      'kept-on-object': '{{creator}} leaves {{what}} in /tmp per {{per}}: delete it in close()',
      'handed-off': '{{creator}} leaves {{what}} in /tmp per {{per}}: delete it after {{consumer}}()',
      escapes: '{{creator}} leaves {{what}} in /tmp per {{per}}: delete it where it is last used',
      'skipped-cleanup': '{{creator}} leaves {{what}} in /tmp when line {{line}} {{exits}}: delete it in a finally',
      'written-file': 'Writes a file under {{folder}} per call, never deleted: delete it in a finally block',
      'written-file-handed-off': 'Writes a file under {{folder}} per call, never deleted: delete it after {{consumer}}()',
    },
    // A tempfile creator by name, or what checkTmpWrites needs (`tempdir` is only ever tempfile's, which the rule
    // resolves): `import tempfile` alone reports nothing. A plain regex, so that keystrokes try it on the changed lines only.
    trigger: /mkstemp|mkdtemp|mktemp|NamedTemporaryFile|gettempdir|tempdir|\/tmp\b/,
    docs: {
      summary: 'Temporary files and directories created on every call and never deleted.',
      whatItDoes:
        'Finds `NamedTemporaryFile(delete=False)`, `mkstemp()`, `mkdtemp()` and `mktemp()` whose path nothing deletes in the same function ' +
        '(`os.unlink`, `os.remove`, `shutil.rmtree`, `Path.unlink`, or moving the file away with `shutil.move`/`os.rename`), and files ' +
        'written under `tempfile.gettempdir()` or a literal `/tmp/...` folder with a varying name that nothing in the workspace ever deletes ' +
        '(written by `open(..., "w")`, `Path.write_*`, `shutil.copy`, `.save()`/`DataFrame.to_*()`, reportlab\'s `Canvas`/`SimpleDocTemplate`, ' +
        '`xlsxwriter.Workbook`, or a `zipfile.ZipFile`/`tarfile.open` in a write mode). ' +
        'Not reported: context-managed temp files (`with NamedTemporaryFile() as f`, `TemporaryDirectory()`), cleanup in `finally`, cleanup ' +
        'registered with `atexit.register`, `weakref.finalize`, `addCleanup` or a FastAPI/Starlette background task ' +
        '(`background_tasks.add_task(os.unlink, path)`), a path handed to a function of the same module that deletes it, and a path ' +
        'returned to callers in the same module that delete it. A path stored on `self` counts as deleted when any method of the class deletes it. ' +
        'A path handed to a task queue (`task.delay(path)`, `consume_file.s(doc)`, `apply_async`, `send_task`) is the task\'s to delete: it is ' +
        'reported only when the task\'s definition, in the same module or the project module it is imported from, deletes nothing. ' +
        'A file deleted by plain calls later in the same block, with an explicit `raise` or `return` between the creation and the ' +
        'deletion (`if not documents: raise HTTPException(400)`), is reported too: every request that takes that exit leaves the file ' +
        'behind. Not then: the exit\'s branch deletes the file first, a `finally` or `except` deletes it, or a `try` around the ' +
        'exit may catch it. That finding has no automatic fix (the existing deletion would run twice).',
      whyIsThisBad:
        'On most platforms /tmp is a RAM-backed tmpfs or part of the instance\'s small ephemeral disk. A view that leaves a 5 MB export ' +
        'behind on each request fills it after a few hundred requests: first the memory limit or disk quota is hit, then the instance is ' +
        'restarted. gunicorn\'s `max_requests` restarts do not clean /tmp; only a redeploy does.',
      example: {
        fileName: 'views.py',
        code: `import tempfile

from django.http import FileResponse


def export_orders(request):
    fd, path = tempfile.mkstemp(suffix=".csv")
    with open(fd, "w") as out:
        write_orders(out, request.user)
    return FileResponse(open(path, "rb"), as_attachment=True, filename="orders.csv")
`,
      },
      useInstead: {
        fileName: 'views.py',
        code: `import os
import tempfile

from django.http import FileResponse


def export_orders(request):
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with open(fd, "w") as out:
            write_orders(out, request.user)
        return FileResponse(open(path, "rb"), as_attachment=True, filename="orders.csv")
    finally:
        os.unlink(path)
`,
      },
      fixSafety:
        'The fix wraps the rest of the block after the creation in `try:` / `finally:` that deletes the file (`os.unlink`, or ' +
        '`shutil.rmtree(..., ignore_errors=True)` for `mkdtemp()`), adding `import os` / `import shutil` when needed; return values and ' +
        'indentation are kept. For `with NamedTemporaryFile(delete=False) as tmp:` the file object is created before the `try:` and the ' +
        '`with` uses it. It is safe only when every use of the path, and of every value built from it (`tmp.name`, `d / "x"`, a list or ' +
        'dict holding it), ends in a call known to be done with it when it returns: `open()`, `subprocess.run()`, `shutil.copy()`, ' +
        '`os.path.*`, `zipfile.ZipFile()`, pandas readers and writers, `.save(path)`, `.to_csv(path)`, the file object\'s own ' +
        '`write`/`flush`/`close`, or a function of the same module whose body meets the same test for that parameter. ' +
        'A path given to any other function (a project helper such as `upload_to_s3(path)`, an object built from ' +
        'it) or a return that mentions it makes the fix unsafe: that code may keep the path. No fix is offered when the path, or a value ' +
        'holding it, is handed to queued work (`task.delay(...)`, a Celery signature `.s(...)`, a thread, `FileResponse(path)`), returned ' +
        'inside a structure, stored on `self` or put into a caller\'s container: deleting it when the function returns would break that ' +
        'work. Module-level temp directories, paths stored on `self`, and writes whose path is not a local variable are reported without a fix.',
      notes:
        'A folder counts as cleaned up when any workspace file that mentions it also deletes files (a Celery cleanup task, a cron ' +
        '`find /tmp/exports -mtime +1 -delete`). The path counts as handed on (not reported) when a process is started ' +
        'with it and a `--delete`/`--remove` flag, and when it is put into a container the caller passed in, in a module ' +
        'with a loop that deletes such containers\' items (`for k, v in certs.items(): os.remove(v)`). Writing one fixed path (`/tmp/report.csv`) is not reported: it is overwritten, not multiplied. Neither is a cache file: ' +
        'a name built the same way in another function of the module that reads it back (`pd.read_pickle(file_name)`), with no id, ' +
        'time or random value in it: one file per key, overwritten by each save.',
    },
  },
  check(ctx) {
    const tree = ctx.python();
    const imports = importsOf(tree);
    const functions = lazyFunctionsByName(tree, ctx.file.text);
    // Only calls named like a creator (or an alias imported for one) can resolve to one: found by text, where a
    // query over every call of a 5,000-line module cost tens of ms per keystroke.
    const creatorNames = new Set(Object.keys(CREATORS).map((q) => q.slice(q.lastIndexOf('.') + 1)));
    for (const [local, qualified] of imports.names) if (CREATORS[qualified]) creatorNames.add(local);
    const creations = new Map<TopLevelStatement | undefined, { call: Node; creator: Creator }[]>();
    const statements = topLevelStatements(tree);
    let at = 0;
    for (const call of callsNamedInModule(tree, ctx.file.text, new RegExp(`\\b(?:${[...creatorNames].map(escapeRegExp).join('|')})\\b`, 'g'))) {
      const creator = CREATORS[imports.resolve(call.childForFieldName('function')) ?? ''];
      if (!creator) continue;
      if (creator === 'named' && keywordArgument(call, 'delete')?.type !== 'false') continue;
      // Calls come in text order: the statement holding each is found by walking the statements once.
      while (at < statements.length && statements[at].end <= call.startIndex) at++;
      const statement = statements[at]?.start <= call.startIndex ? statements[at] : undefined;
      creations.set(statement, [...(creations.get(statement) ?? []), { call, creator }]);
    }
    // A statement's creations are judged again only when its text, the imports or something recorded outside it
    // (a same-module function, a task's body, another module) changed: a keystroke elsewhere replays them.
    const context = `${ctx.file.relPath}\u0000${JSON.stringify([...imports.names])}\u0000${JSON.stringify([...imports.origins])}`;
    for (const [statement, calls] of creations) {
      const analyse = (report: RuleContext['report']): OutsideReads | undefined => {
        const sub: RuleContext = Object.create(ctx, { report: { value: report } });
        return recordingOutsideReads(() => {
          for (const { call, creator } of calls) checkCreation(sub, tree, imports, functions, call, creator);
        });
      };
      if (statement) creationFindings.check(ctx, statement, context, (reads) => stillReadsTheSame(ctx, tree, reads), analyse);
      else analyse((spec) => ctx.report(spec));
    }
    checkTmpWrites(ctx, tree, imports, functions);
  },
});

/**
 * What a statement's creations read outside the statement (besides the imports and the file's path): same-module
 * functions by name (their texts), module-level function bodies read from the text, other files and modules.
 */
type OutsideRead =
  | { kind: 'functions'; name: string; texts: string }
  | { kind: 'body'; name: string; body: string | undefined }
  | { kind: 'file'; path: string; text: string | undefined }
  | { kind: 'module'; module: string; text: string | undefined };
type OutsideReads = readonly OutsideRead[];

const creationFindings = new StatementFindingsCache<OutsideReads>('temp-file-leak: creations per statement');

/** The reads of the analysis running now; null when it read something it cannot name (a whole-module query). */
let outsideReads: OutsideRead[] | null | undefined;

function recordingOutsideReads(run: () => void): OutsideReads | undefined {
  const before = outsideReads;
  outsideReads = [];
  try {
    run();
    return outsideReads ?? undefined;
  } finally {
    outsideReads = before;
  }
}

function noteRead(read: OutsideRead): void {
  if (outsideReads) outsideReads.push(read);
}

/** The answer depends on the whole module (callers anywhere, loops anywhere): never replayed. */
function readsWholeModule(): void {
  if (outsideReads !== undefined) outsideReads = null;
}

function stillReadsTheSame(ctx: RuleContext, tree: Tree, reads: OutsideReads): boolean {
  return reads.every((r) => {
    switch (r.kind) {
      case 'functions':
        return definitionTexts(tree, ctx.file.text, r.name) === r.texts;
      case 'body':
        return moduleFunctionBody(ctx, tree, r.name) === r.body;
      case 'file':
        return ctx.project.readFile(r.path) === r.text;
      case 'module':
        return moduleText(ctx, r.module)?.text === r.text;
    }
  });
}

function definitionTexts(tree: Tree, text: string, name: string): string {
  return definitionsNamedInModule(tree, text, name).map((d) => d.text).join('\u0000');
}

/** How the created path is bound. */
interface Binding {
  /** Names that hold the path or the file object (`tmp`, `path`, `self.workdir`) plus their aliases. */
  names: string[];
  /** Expression naming the path in a cleanup call: `tmp.name`, `path`. */
  pathExpr: string;
  /** The binding statement (assignment statement or `with` statement). */
  statement: Node;
  /** The `X as tmp` of a `with`, when the file is context-managed but not deleted. */
  withItem?: Node;
}

/** Same-module functions by name, looked up on first need (most files have no temp file to follow). */
function lazyFunctionsByName(tree: Tree, text: string): ReadonlyMap<string, Node[]> {
  let map: Map<string, Node[]> | undefined;
  const get = (): Map<string, Node[]> => (map ??= functionsByName(tree));
  // One name's definitions by text; the whole map (a query over the tree) only if something iterates it.
  const named = new Map<string, Node[]>();
  const definitionsOf = (name: string): Node[] => {
    let defs = named.get(name);
    if (!defs) named.set(name, (defs = definitionsNamedInModule(tree, text, name)));
    noteRead({ kind: 'functions', name, texts: defs.map((d) => d.text).join('\u0000') });
    return defs;
  };
  const whole = (): Map<string, Node[]> => (readsWholeModule(), get());
  return {
    get: (name: string) => (definitionsOf(name).length ? definitionsOf(name) : undefined),
    has: (name: string) => definitionsOf(name).length > 0,
    get size() {
      return whole().size;
    },
    forEach: (fn, thisArg) => whole().forEach(fn, thisArg),
    entries: () => whole().entries(),
    keys: () => whole().keys(),
    values: () => whole().values(),
    [Symbol.iterator]: () => whole()[Symbol.iterator](),
  };
}

function functionsByName(tree: Tree): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const { node } of captures(tree, '(function_definition name: (identifier) @name) @fn')) {
    if (node.type !== 'function_definition') continue;
    const name = node.childForFieldName('name')!.text;
    out.set(name, [...(out.get(name) ?? []), node]);
  }
  return out;
}

function enclosingDef(node: Node): Node | undefined {
  return ancestor(node, 'function_definition');
}

function rootOf(node: Node): Node {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

function mentions(node: Node | null | undefined, names: readonly string[]): boolean {
  if (!node) return false;
  return names.some((name) => new RegExp(`(?<![\\w.])${escapeRegExp(name)}(?!\\w)`).test(node.text));
}

/** Finds the name bound to a creating call: `fd, path = mkstemp()`, `with ... as tmp`, `d = Path(mkdtemp())`. */
function bindingOf(call: Node, creator: Creator): Binding | undefined {
  // The path-valued expression around the call: `NamedTemporaryFile(...).name`, `mkstemp()[1]`, `Path(mkdtemp())`.
  // Also nested: `Path(NamedTemporaryFile(delete=False).name)`.
  let expr = call;
  let holdsFileObject = creator === 'named';
  for (let step = 0; step < 2; step++) {
    const p = expr.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.text === 'name' && expr.id === call.id) {
      expr = p;
      holdsFileObject = false;
    } else if (p?.type === 'subscript' && intValue(p.childForFieldName('subscript')) === 1 && expr.id === call.id) {
      expr = p;
    } else if (p?.type === 'argument_list' && p.parent?.type === 'call' && positionalArguments(p.parent).length === 1 && /^(str|Path|pathlib\.Path|os\.fspath)$/.test(p.parent.childForFieldName('function')?.text ?? '')) {
      expr = p.parent;
      holdsFileObject = false;
    } else {
      break;
    }
  }
  const holder = expr.parent;
  if (holder?.type === 'assignment' && holder.childForFieldName('right')?.id === expr.id) {
    const left = holder.childForFieldName('left')!;
    let name: string | undefined;
    if (left.type === 'identifier' || left.type === 'attribute') name = left.text;
    if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && creator === 'mkstemp' && expr.id === call.id) {
      const second = left.namedChildren[1];
      if (second?.type === 'identifier' && second.text !== '_') name = second.text;
    }
    if (!name || holder.parent?.type !== 'expression_statement') return undefined;
    return { names: [name], pathExpr: holdsFileObject ? `${name}.name` : name, statement: holder.parent };
  }
  if (holder?.type === 'as_pattern' && expr.id === call.id) {
    const alias = holder.childForFieldName('alias')?.namedChildren[0] ?? holder.childForFieldName('alias');
    const withStatement = ancestor(holder, 'with_statement');
    if (alias?.type !== 'identifier' || !withStatement || holder.parent?.type !== 'with_item') return undefined;
    return { names: [alias.text], pathExpr: `${alias.text}.name`, statement: withStatement, withItem: holder };
  }
  return undefined;
}

/** Path-like derivations: `tmp.name`, `os.path.join(d, "x.zip")`, `Path(d) / "x"`, `str(p)`, f-strings. */
function derivesPath(node: Node | null | undefined, names: readonly string[]): boolean {
  if (!node || !mentions(node, names)) return false;
  switch (node.type) {
    case 'identifier':
      return true;
    case 'attribute':
      return node.childForFieldName('attribute')?.text === 'name' || /^(self|cls)\./.test(node.text);
    case 'binary_operator':
    case 'string':
      return true;
    case 'call':
      return /^(str|os\.fspath|Path|pathlib\.Path|os\.path\.(join|abspath|realpath))$/.test(node.childForFieldName('function')?.text ?? '');
    default:
      return false;
  }
}

/** Adds names assigned from path-like derivations of tracked names (`path = tmp.name`, `self.dir = d`). */
function withAliases(scope: Node, names: string[]): string[] {
  const out = [...names];
  for (let changed = true, rounds = 0; changed && rounds < 4; rounds++) {
    changed = false;
    for (const { node } of captures(scope.tree, '(assignment left: [(identifier) (attribute)] @left right: (_) @right)', scope)) {
      if (node.parent?.childForFieldName('left')?.id !== node.id) continue;
      if (!out.includes(node.text) && derivesPath(node.parent.childForFieldName('right'), out)) {
        out.push(node.text);
        changed = true;
      }
    }
  }
  return out;
}

function isCleanupCall(call: Node, imports: ImportMap): 'function' | 'method' | undefined {
  const fn = call.childForFieldName('function');
  const q = imports.resolve(fn);
  if (q && CLEANUP_FUNCTIONS.has(q)) return 'function';
  if (fn?.type === 'attribute' && CLEANUP_METHODS.has(fn.childForFieldName('attribute')!.text) && !imports.resolve(fn.childForFieldName('object'))) return 'method';
  return undefined;
}

/** True when the scope deletes (or registers deletion of) one of the names. */
function cleanedIn(ctx: RuleContext, scope: Node, names: readonly string[], imports: ImportMap, functions: ReadonlyMap<string, Node[]>): boolean {
  for (const { node: call } of captures(scope.tree, '(call) @call', scope)) {
    const args = call.childForFieldName('arguments');
    const kind = isCleanupCall(call, imports);
    if (kind === 'function' && mentions(args, names)) return true;
    if (kind === 'method' && mentions(call.childForFieldName('function')!.childForFieldName('object'), names)) return true;
    if (!mentions(args, names)) continue;
    // atexit.register(shutil.rmtree, d), weakref.finalize(self, os.unlink, p), background_tasks.add_task(os.remove, p)
    const passesCleanup = (args?.namedChildren ?? []).some((a) => {
      const q = imports.resolve(a);
      return q !== undefined && CLEANUP_FUNCTIONS.has(q);
    });
    if (passesCleanup) return true;
    // A function of this module that deletes what it is given: cleanup(path), remove_later.delay(path).
    if (calleeDeletes(ctx, call, imports, functions)) return true;
  }
  return false;
}

/**
 * The callee deletes what it is given: a function of this module (`cleanup(path)`, `remove_later.delay(path)`)
 * or of the workspace module it is imported from (`from .tasks import transcode; transcode.delay(path)`).
 */
function calleeDeletes(ctx: RuleContext, call: Node, imports: ImportMap, functions: ReadonlyMap<string, Node[]>): boolean {
  let fn = call.childForFieldName('function');
  if (fn?.type === 'attribute' && /^(delay|apply_async|s|si|send|run)$/.test(fn.childForFieldName('attribute')!.text)) fn = fn.childForFieldName('object');
  const name = fn?.type === 'identifier' ? fn.text : fn?.type === 'attribute' && /^(self|cls)$/.test(fn.childForFieldName('object')!.text) ? fn.childForFieldName('attribute')!.text : undefined;
  if (!name) return false;
  const local = functions.get(name) ?? [];
  if (local.length) return local.some((def) => captures(def.tree, '(call) @call', def).some(({ node }) => isCleanupCall(node, imports) !== undefined));
  const origin = importedNames(call.tree).get(name);
  const source = origin ? moduleText(ctx, origin.module) : undefined;
  if (origin) noteRead({ kind: 'module', module: origin.module, text: source?.text });
  if (!source || !origin) return false;
  const def = new RegExp(`^([ \\t]*)(?:async\\s+)?def\\s+${escapeRegExp(origin.name)}\\s*\\(`, 'm').exec(source.text);
  if (!def) return false;
  // The function's body: up to the next line indented no deeper than its `def`.
  const rest = source.text.slice(def.index + def[0].length);
  const end = new RegExp(`\\n${def[1]}(?=\\S)`).exec(rest);
  const body = end ? rest.slice(0, end.index) : rest;
  return /\bos\.(unlink|remove)\(|\brmtree\(|\.unlink\(|\bshutil\.move\(/.test(body);
}

/** Returns in the function (not nested ones) that hand the path itself to the caller. */
function returnsPath(fn: Node, names: readonly string[]): boolean {
  for (const { node } of captures(fn.tree, '(return_statement) @r', fn)) {
    if (enclosingDef(node)?.id !== fn.id) continue;
    const value = node.namedChildren[0];
    if (!value) continue;
    const items = value.type === 'expression_list' || value.type === 'tuple' ? value.namedChildren : [value];
    if (items.some((item) => item && isPathItself(item, names))) return true;
  }
  return false;
}

function isPathItself(node: Node, names: readonly string[]): boolean {
  if (names.includes(node.text)) return true;
  if (node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'name' && names.includes(node.childForFieldName('object')!.text)) return true;
  if (node.type === 'call' && /^(str|Path|pathlib\.Path|os\.fspath)$/.test(node.childForFieldName('function')?.text ?? '')) {
    const arg = positionalArguments(node)[0];
    return !!arg && isPathItself(arg, names);
  }
  return false;
}

/** Callers in this module of a function that returns the path: does any of them delete what it gets? */
function callersDelete(ctx: RuleContext, fn: Node, imports: ImportMap, functions: ReadonlyMap<string, Node[]>): { callers: number; deleting: number } {
  readsWholeModule();
  const name = fn.childForFieldName('name')!.text;
  let callers = 0;
  let deleting = 0;
  for (const { node: call } of captures(fn.tree, '(call function: [(identifier) (attribute)] @f) @call')) {
    if (call.type !== 'call') continue;
    const callee = call.childForFieldName('function')!;
    const calleeName = callee.type === 'identifier' ? callee.text : callee.childForFieldName('attribute')?.text;
    if (calleeName !== name || enclosingDef(call)?.id === fn.id) continue;
    callers++;
    const assignment = call.parent?.type === 'assignment' ? call.parent : undefined;
    const left = assignment?.childForFieldName('left');
    const bound = !left ? [] : left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren.map((c) => c?.text ?? '') : [left.text];
    const scope = enclosingDef(call) ?? rootOf(call);
    if (bound.length && cleanedIn(ctx, scope, withAliases(scope, bound.filter(Boolean)), imports, functions)) deleting++;
  }
  return { callers, deleting };
}

/** The path leaves the function: returned, yielded, or stored on an object (deleting it at the end is unsafe). */
function escapes(fn: Node, names: readonly string[]): boolean {
  for (const { node } of captures(fn.tree, '[(return_statement) (yield)] @r', fn)) {
    if (mentions(node, names)) return true;
  }
  for (const { node } of captures(fn.tree, '(assignment left: [(attribute) (subscript)] @left) @a', fn)) {
    if (node.type === 'assignment' && mentions(node.childForFieldName('right'), names)) return true;
  }
  return deferredUse(fn, names) !== undefined;
}

/**
 * Work that reads the path after the function returns: `FileResponse(path)`, `send_file(path)`, a Celery
 * `.delay(path)`, a thread. Deleting in `finally` would break it, so no fix is offered.
 */
/** Calls that queue a task for a worker (Celery, RQ, Dramatiq, Huey): the task owns the file from then on. */
const TASK_DISPATCH = /\.(delay|apply_async|s|si|signature|send|send_with_options|enqueue|enqueue_call|schedule)$|(^|\.)(send_task|chain|group|chord)$/;

/**
 * `path = Path(mkdtemp()) / name` whose `path` goes into a task dispatch (`consume_file.apply_async(kwargs={"doc":
 * Doc(original_file=path)})`): the task owns what is in the folder, judged as for a bound path.
 */
function handedToTaskThatMayDelete(ctx: RuleContext, imports: ImportMap, fn: Node, call: Node): boolean {
  let holder: Node | null = call.parent;
  while (holder && holder.type !== 'assignment' && holder.type !== 'expression_statement' && holder.id !== fn.id) holder = holder.parent;
  const target = holder?.type === 'assignment' ? holder.childForFieldName('left') : undefined;
  if (target?.type !== 'identifier') return false;
  // Values built from the path (`doc = ConsumableDocument(original_file=path)`) carry it too.
  const names = new Set([target.text]);
  const mentionsAny = (text: string) => [...names].some((n) => new RegExp(`\\b${n}\\b`).test(text));
  const assignments = captures(fn.tree, '(assignment left: (identifier) @left right: (_) @right)', fn).filter((c) => c.name === 'left');
  for (let pass = 0; pass < 3; pass++) {
    for (const { node: left } of assignments) {
      if (!names.has(left.text) && mentionsAny(left.parent?.childForFieldName('right')?.text ?? '')) names.add(left.text);
    }
  }
  for (const { node } of captures(fn.tree, '(call) @call', fn)) {
    const dispatch = node.childForFieldName('function')?.text ?? '';
    if (!TASK_DISPATCH.test(dispatch) || !mentionsAny(node.childForFieldName('arguments')?.text ?? '')) continue;
    if (taskDeletesItsInput(ctx, imports, dispatch.replace(TASK_DISPATCH, '')) !== false) return true;
  }
  return false;
}

const DELETES = /\b(unlink|remove|rmtree|removedirs|cleanup|clean_up|delete)\b/;

/**
 * Whether the task `name` (`transcode` of `transcode.delay(...)`) deletes anything: read from its definition in this
 * module or in the project module it is imported from (text only). Undefined when the definition is not found.
 */
function taskDeletesItsInput(ctx: RuleContext, imports: ImportMap, name: string): boolean | undefined {
  if (!/^\w+$/.test(name)) return undefined;
  const body = moduleFunctionBody(ctx, ctx.python(), name);
  noteRead({ kind: 'body', name, body });
  if (body !== undefined) return DELETES.test(body);
  const origin = imports.origins.get(name);
  if (!origin) return undefined;
  const dir = ctx.file.relPath.includes('/') ? ctx.file.relPath.slice(0, ctx.file.relPath.lastIndexOf('/')) : '';
  const dots = /^\.*/.exec(origin.module)![0].length;
  const rest = origin.module.slice(dots).replace(/\./g, '/');
  const bases = dots > 0 ? [dir.split('/').slice(0, Math.max(0, dir.split('/').filter(Boolean).length - (dots - 1))).join('/')] : ['', dir];
  for (const base of bases) {
    for (const candidate of [`${rest}.py`, `${rest}/__init__.py`]) {
      const path = [base, candidate].filter(Boolean).join('/');
      const text = ctx.project.readFile(path);
      noteRead({ kind: 'file', path, text });
      const found = text === undefined ? undefined : functionBody(text, origin.name);
      if (found !== undefined) return DELETES.test(found);
    }
  }
  return undefined;
}

/** The text of the module-level `def name(...)` up to the next module-level statement. */
function functionBody(text: string, name: string): string | undefined {
  const defEnd = moduleDefEnd(text, name);
  return defEnd === undefined ? undefined : bodyFrom(text, defEnd);
}

/** Where each statement text's first line-start `def name(` ends (-1: none), per name. */
const DEF_ENDS = new StatementSlot<number>('temp-file-leak: def ends per statement');

/**
 * functionBody() of the analysed module, its `def name(` looked for per top-level statement (a keystroke searches the
 * statement it changed, not the 5,000-line text): the same first match, since such a match lies in one statement
 * (each starts a line, the text between them is blank) when the module parses. Otherwise searched as before.
 */
function moduleFunctionBody(ctx: RuleContext, tree: Tree, name: string): string | undefined {
  const text = ctx.file.text;
  if (!statementCachesEnabled() || tree.rootNode.hasError || !statementsCoverText(tree, text)) return functionBody(text, name);
  for (const statement of topLevelStatements(tree)) {
    const end = DEF_ENDS.answer(statement, name, () => moduleDefEnd(statement.text, name) ?? -1);
    if (end >= 0) return bodyFrom(text, statement.start + end);
  }
  return undefined;
}

/** The text after a `def name(` up to the next module-level statement. */
function bodyFrom(text: string, defEnd: number): string {
  const after = text.slice(defEnd);
  const end = /\n(?=[^\s#])/.exec(after);
  return end ? after.slice(0, end.index) : after;
}

function deferredUse(fn: Node, names: readonly string[]): Node | undefined {
  for (const { node } of captures(fn.tree, '(call) @call', fn)) {
    if (!ESCAPING_CALLS.test(node.childForFieldName('function')?.text ?? '')) continue;
    const args = node.childForFieldName('arguments')?.namedChildren ?? [];
    const values = args.map((a) => (a?.type === 'keyword_argument' ? a.childForFieldName('value') : a));
    if (values.some((v) => v && (isPathItself(v, names) || (v.type === 'list' || v.type === 'tuple') && v.namedChildren.some((x) => x && isPathItself(x, names))))) return node;
  }
  return undefined;
}

function checkCreation(ctx: RuleContext, tree: Tree, imports: ImportMap, functions: ReadonlyMap<string, Node[]>, call: Node, creator: Creator): void {
  const fn = enclosingDef(call);
  // At module level the scope looked at is the whole module.
  if (!fn) readsWholeModule();
  const binding = bindingOf(call, creator);
  const left = creator === 'mkdtemp' ? 'a directory' : 'a file';
  const each = binding?.names[0].startsWith('self.') ? 'instance' : 'call';
  type Id = 'never-deleted' | 'import-time' | 'returned' | 'kept-on-object' | 'handed-off' | 'escapes';
  const report = (why: string, todo: string, messageId: Id, fixes: FixSpec[] = [], consumer?: string) =>
    ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId,
      data: { creator: headlineName(creator), what: left, per: each, ...(consumer === undefined ? {} : { consumer }) },
      detail: `${describe(creator)} ${why}${cost(creator)}. ${capitalize(todo)}.`,
      fixes,
    });
  const leaves = `every ${each} leaves ${left} behind`;

  if (!binding) {
    // `return mkdtemp()`: the caller owns it; same-module callers are checked like a returned name.
    if (call.parent?.type === 'return_statement' && fn) {
      const { callers, deleting } = callersDelete(ctx, fn, imports, functions);
      if (callers > 0 && deleting === 0) report(`is returned to callers in this module that never delete it, so ${leaves}`, 'delete it in a finally block where it is used', 'returned');
      return;
    }
    if (fn && handedToTaskThatMayDelete(ctx, imports, fn, call)) return;
    if (!fn || !cleanedIn(ctx, fn, [call.text], imports, functions)) report(`is never deleted, so ${leaves}`, 'keep the path in a variable and delete it in a finally block', 'never-deleted');
    return;
  }

  const scope = fn ?? rootOf(call);
  const names = withAliases(scope, binding.names);
  if (cleanedIn(ctx, scope, names, imports, functions)) {
    const exit = fn && exitBeforeCleanup(fn, call, names, imports);
    if (exit) {
      const exits = exit.type === 'raise_statement' ? 'raises' : 'returns';
      ctx.report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: 'skipped-cleanup',
        data: { creator: headlineName(creator), what: left, line: exit.startPosition.row + 1, exits },
        detail:
          `${describe(creator)} is deleted only on the path that reaches the cleanup: the explicit \`${short(exit.text)}\` on line ` +
          `${exit.startPosition.row + 1} ${exits} before it, so every such call leaves ${left} behind${cost(creator)}. Move the deletion into a finally block.`,
      });
    }
    return;
  }
  const onObject = names.filter((n) => /^(self|cls)\./.test(n));
  const cls = ancestor(call, 'class_definition');
  if (onObject.length && cls && cleanedIn(ctx, cls, onObject, imports, functions)) return;
  const remover = creator === 'mkdtemp' ? 'shutil.rmtree' : 'os.unlink';

  if (!fn) {
    report(
      'at import time is never deleted, so every worker start (gunicorn restarts workers after max_requests) leaves one more behind',
      `register atexit.register(${remover}, ${binding.pathExpr})`,
      'import-time',
    );
    return;
  }
  if (returnsPath(fn, names)) {
    const { callers, deleting } = callersDelete(ctx, fn, imports, functions);
    if (callers > 0 && deleting === 0) report(`is returned to callers in this module that never delete it, so ${leaves}`, 'delete it in a finally block where it is used', 'returned');
    return;
  }
  if (onObject.length) {
    report(`is kept on ${onObject[0]} but nothing in the class deletes it, so ${leaves}`, `delete it in a close() method or register weakref.finalize(self, ${remover}, ${onObject[0]})`, 'kept-on-object');
    return;
  }
  // Handed to queued work directly (`task.delay(path)`) or inside a value built from it (a Celery signature of a
  // document object holding the path): deleting it when the function returns would break that work.
  const flow = pathFlow(fn, names, imports);
  const deferred = deferredUse(fn, names) ?? (flow.kind === 'deferred' ? flow.call : undefined);
  if (deferred) {
    // A task queue takes ownership: report only when the task's own code is found and deletes nothing (paperless-ngx's
    // consume_file hands its input to a consumer that unlinks it; a task we cannot read is given the benefit of the doubt).
    const dispatch = deferred.childForFieldName('function')?.text ?? '';
    if (TASK_DISPATCH.test(dispatch) && taskDeletesItsInput(ctx, imports, dispatch.replace(TASK_DISPATCH, '')) !== false) return;
    if (toldToDelete(deferred)) return;
    const consumer = short(deferred.childForFieldName('function')!.text);
    report(`is handed to ${consumer}() and never deleted, so ${leaves}`, `delete it once that work is done (BackgroundTask(${remover}, ${binding.pathExpr}) or a finally in the task)`, 'handed-off', [], clip(consumer, 24));
    return;
  }
  // Put into a container the caller passed in, in a module that deletes the items of such containers
  // (`for k, v in ssl_config.items(): os.remove(v)`): the cleanup is the module's, after the work.
  if (flow.kind === 'escapes' && flow.use.id === fn.id && deletesContainerItems(tree, imports)) return;
  if (flow.kind === 'escapes') {
    // Returned inside a structure or put where the caller sees it: a finally here would delete it too soon.
    const how =
      flow.use.type === 'return_statement' || flow.use.type === 'yield'
        ? `is returned to the caller (${short(flow.use.text)})`
        : flow.use.id === fn.id
          ? 'is put into a container the caller passed in'
          : `is kept beyond this function (${short(flow.use.text)})`;
    report(`${how} and this function never deletes it, so ${leaves}`, `delete it where it is last used (${remover}(...) in a finally there)`, 'escapes');
    return;
  }
  report(`is never deleted by this function, so ${leaves}`, `delete it in a finally block with ${remover}(${binding.pathExpr})`, 'never-deleted', tryFinallyFix(ctx, tree, fn, binding, names, creator));
}

/**
 * The path is deleted by plain calls after the creation in the same block (no finally, no except, no registered
 * cleanup), and an explicit `raise`/`return` between them leaves the block first: a 400 for a rejected upload
 * leaves the file behind. Returns that exit, or undefined.
 */
function exitBeforeCleanup(fn: Node, call: Node, names: readonly string[], imports: ImportMap): Node | undefined {
  const creation = statementIn(call, fn);
  if (!creation) return undefined;
  const block = creation.parent!;
  let firstCleanup: Node | undefined;
  for (const { node: cleanup } of captures(fn.tree, '(call) @call', fn)) {
    const kind = isCleanupCall(cleanup, imports);
    const target = kind === 'function' ? cleanup.childForFieldName('arguments') : kind === 'method' ? cleanup.childForFieldName('function')!.childForFieldName('object') : null;
    if (!kind || !mentions(target, names)) continue;
    // Deleted on the error path too, or somewhere this check does not follow: not a success-path-only cleanup.
    if (ancestorBelow(cleanup, fn, 'finally_clause', 'except_clause') || enclosingDef(cleanup)?.id !== fn.id) return undefined;
    const statement = statementUnder(cleanup, block);
    if (!statement || statement.startIndex <= creation.startIndex) return undefined;
    if (!firstCleanup || cleanup.startIndex < firstCleanup.startIndex) firstCleanup = cleanup;
  }
  if (!firstCleanup) return undefined;
  for (const { node: exit } of captures(fn.tree, '[(raise_statement) (return_statement)] @exit', fn)) {
    if (exit.startIndex <= call.endIndex || exit.startIndex >= firstCleanup.startIndex) continue;
    if (enclosingDef(exit)?.id !== fn.id || ancestor(exit, 'lambda', 'class_definition')) continue;
    if (exit.startIndex < block.startIndex || exit.endIndex > block.endIndex) continue;
    // `return path` hands it to the caller; a bare `raise` re-raises inside an except clause.
    if (exit.type === 'return_statement' && mentions(exit, names)) continue;
    if (caughtBelow(exit, block)) continue;
    // The branch deletes the file itself before leaving: `if bad: os.unlink(path); raise ...`.
    const branch = exit.parent!;
    if (branch.namedChildren.some((c) => c !== null && c.startIndex < exit.startIndex && cleansUp(c, names, imports))) continue;
    return exit;
  }
  return undefined;
}

/** The statement holding `node` that sits directly in a block of `fn` (or in its body). */
function statementIn(node: Node, fn: Node): Node | undefined {
  for (let n: Node | null = node; n && n.id !== fn.id; n = n.parent) {
    if (n.parent?.type === 'block') return n;
  }
  return undefined;
}

/** The statement of `block` that holds `node`, if `node` is inside it. */
function statementUnder(node: Node, block: Node): Node | undefined {
  for (let n: Node | null = node; n; n = n.parent) if (n.parent?.id === block.id) return n;
  return undefined;
}

function ancestorBelow(node: Node, top: Node, ...types: string[]): Node | undefined {
  for (let n = node.parent; n && n.id !== top.id; n = n.parent) if (types.includes(n.type)) return n;
  return undefined;
}

/** Inside the body of a `try` (below `top`) that may catch it, or a bare `raise` that only re-raises. */
function caughtBelow(exit: Node, top: Node): boolean {
  if (exit.type === 'raise_statement' && exit.namedChildren.length === 0) return true;
  for (let n: Node | null = exit; n && n.id !== top.id; n = n.parent) {
    if (n.type === 'block' && n.parent?.type === 'try_statement' && exit.type === 'raise_statement') return true;
    // A return inside try with a finally: the finally may delete (it was not found above, but stay careful).
    if (n.type === 'block' && n.parent?.type === 'try_statement' && n.parent.namedChildren.some((c) => c?.type === 'finally_clause')) return true;
  }
  return false;
}

function cleansUp(node: Node, names: readonly string[], imports: ImportMap): boolean {
  for (const { node: c } of captures(node.tree, '(call) @call', node)) {
    const kind = isCleanupCall(c, imports);
    if (kind === 'function' && mentions(c.childForFieldName('arguments'), names)) return true;
    if (kind === 'method' && mentions(c.childForFieldName('function')!.childForFieldName('object'), names)) return true;
  }
  return false;
}

/** A process started with the path and a flag that tells it to delete it: `Popen([..., "--delete-on-finish", path])`. */
function toldToDelete(call: Node): boolean {
  if (!/(^|\.)(Popen|run|call|check_call)$/.test(call.childForFieldName('function')?.text ?? '')) return false;
  const argv = positionalArguments(call)[0];
  if (argv?.type !== 'list' && argv?.type !== 'tuple') return false;
  return argv.namedChildren.some((a) => a?.type === 'string' && /^-.*(delete|remove|unlink|clean)/i.test(stringValue(a) ?? ''));
}

/** A loop in the module deletes each item it iterates: `for k, v in paths.items(): os.remove(v)`. */
function deletesContainerItems(tree: Tree, imports: ImportMap): boolean {
  readsWholeModule();
  for (const { node: loop } of captures(tree, '(for_statement) @f')) {
    if (loop.type !== 'for_statement') continue;
    const target = loop.childForFieldName('left');
    const names = target ? (target.type === 'identifier' ? [target.text] : target.descendantsOfType('identifier').map((n) => n?.text ?? '').filter(Boolean)) : [];
    const body = loop.childForFieldName('body');
    if (!names.length || !body) continue;
    for (const { node: call } of captures(tree, '(call) @c', body)) {
      if (isCleanupCall(call, imports) === 'function' && positionalArguments(call).some((a) => names.includes(a.text))) return true;
    }
  }
  return false;
}

function headlineName(creator: Creator): string {
  return creator === 'named' ? 'NamedTemporaryFile(delete=False)' : `${creator}()`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function describe(creator: Creator): string {
  switch (creator) {
    case 'named':
      return 'NamedTemporaryFile(delete=False)';
    case 'mkstemp':
      return 'The file from mkstemp()';
    case 'mkdtemp':
      return 'The directory from mkdtemp()';
    default:
      return 'The path from mktemp()';
  }
}

function cost(creator: Creator): string {
  return `${creator === 'mkdtemp' ? ' with everything written into it' : ''}, and /tmp is RAM-backed or counted against the instance on most platforms`;
}

/** Wraps the rest of the binding's block in try/finally that deletes the path. */
function tryFinallyFix(ctx: RuleContext, tree: Tree, fn: Node, binding: Binding, names: readonly string[], creator: Creator): FixSpec[] {
  const text = ctx.file.text;
  const { statement } = binding;
  const block = statement.parent;
  if (block?.type !== 'block' || !startsItsLine(text, statement) || deferredUse(fn, names)) return [];
  // Every use of the path must be in the rest of this block, or the finally would run too early.
  for (const { node } of captures(tree, '(identifier) @id', fn)) {
    if (names.includes(node.text) && (node.startIndex < statement.startIndex || node.endIndex > block.endIndex)) return [];
  }
  const statements = block.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
  const index = statements.findIndex((n) => n.id === statement.id);
  const last = statements[statements.length - 1];
  const edits: OffsetEdit[] = [];
  let wrapped: OffsetEdit[] | undefined;
  const body = cleanupLines(creator, binding.pathExpr);
  if (binding.withItem) {
    const callNode = binding.withItem.childForFieldName('value') ?? binding.withItem.namedChildren[0];
    const alias = binding.names[0];
    if (!callNode || callNode.text.includes('\n')) return [];
    wrapped = wrapInTryFinally(text, statement, last, body, [`${alias} = ${callNode.text}`]);
    edits.push({ start: binding.withItem.startIndex, end: binding.withItem.endIndex, newText: alias });
  } else {
    const first = statements[index + 1];
    if (!first) return [];
    wrapped = wrapInTryFinally(text, first, last, body);
  }
  if (!wrapped) return [];
  edits.push(...wrapped);
  const module = creator === 'mkdtemp' ? 'shutil' : 'os';
  const importEdit = addImport(tree, text, module);
  if (importEdit) edits.push(importEdit);
  // Safe only when every use of the path is proven finished before the function returns (temp-path-flow.ts).
  const flow = pathFlow(fn, names, importsOf(tree));
  // Queued work or a caller will read it after the function returns: deleting it then is a bug, not a fix.
  if (flow.kind === 'deferred' || flow.kind === 'escapes') return [];
  const safety: FixSafety = escapes(fn, names) || flow.kind !== 'local' ? 'unsafe' : 'safe';
  const title = creator === 'mkdtemp' ? `Remove ${binding.pathExpr} in a finally block` : `Delete ${binding.pathExpr} in a finally block`;
  return [{ title, safety, edits }];
}

/** The finally body; a leading tab is one level of nesting (see wrapInTryFinally). */
function cleanupLines(creator: Creator, path: string): string[] {
  if (creator === 'mkdtemp') return [`shutil.rmtree(${path}, ignore_errors=True)`];
  // The file may never have been written (an exception before the write): do not mask the original error.
  if (creator === 'mktemp' || creator === 'write') return [`if os.path.exists(${path}):`, `\tos.unlink(${path})`];
  return [`os.unlink(${path})`];
}

// ---------------------------------------------------------------------------------------------
// Files written under /tmp or tempfile.gettempdir() with a varying name.

interface TempPath {
  /** The literal prefix of the path (`/tmp/exports/report-`), `tempfile.gettempdir()/` for the temp root. */
  prefix: string;
  /** Part of the name varies (an id, a uuid, a user's file name): every call writes a new file. */
  variable: boolean;
  /** Module constants the path goes through (`EXPORT_DIR`), to find cleanup code that names them. */
  constants: string[];
}

function isTmpLiteral(s: string): boolean {
  return s === '/tmp' || s.startsWith('/tmp/');
}

function tempPath(node: Node | null | undefined, imports: ImportMap, depth = 0): TempPath | undefined {
  if (!node || depth > 4) return undefined;
  switch (node.type) {
    case 'string': {
      const plain = stringValue(node);
      if (plain !== undefined) return isTmpLiteral(plain) ? { prefix: plain, variable: false, constants: [] } : undefined;
      return fStringPath(node, imports, depth);
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      const q = imports.resolve(fn) ?? fn?.text;
      if (q === 'tempfile.gettempdir') return { prefix: `${GETTEMPDIR}/`, variable: false, constants: [] };
      if (q === 'os.path.join') return joinPath(positionalArguments(node), imports, depth);
      if (/^(str|os\.fspath|Path|pathlib\.Path|PurePath)$/.test(fn?.text ?? '') || q === 'pathlib.Path') {
        const args = positionalArguments(node);
        return args.length ? joinPath(args, imports, depth) : undefined;
      }
      return undefined;
    }
    case 'attribute':
      return imports.resolve(node) === 'tempfile.tempdir' ? { prefix: `${GETTEMPDIR}/`, variable: false, constants: [] } : undefined;
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (op === '/' && left && right) return joinPath([left, right], imports, depth);
      if (op === '+') {
        const base = tempPath(left, imports, depth + 1);
        if (!base) return undefined;
        const lit = stringValue(right);
        return lit !== undefined ? { ...base, prefix: base.prefix + lit } : { ...base, variable: true };
      }
      return undefined;
    }
    case 'parenthesized_expression':
      return tempPath(node.namedChildren[0], imports, depth);
    case 'identifier': {
      const value = singleAssignment(node);
      if (!value) return undefined;
      const resolved = tempPath(value.value, imports, depth + 1);
      return resolved && value.module ? { ...resolved, constants: [...resolved.constants, node.text] } : resolved;
    }
    default:
      return undefined;
  }
}

/** `f"/tmp/exports/{order_id}.csv"`, `f"{tempfile.gettempdir()}/{name}"`. */
function fStringPath(node: Node, imports: ImportMap, depth: number): TempPath | undefined {
  let prefix = '';
  let variable = false;
  let started = false;
  const constants: string[] = [];
  for (const part of node.namedChildren) {
    if (!part || part.type === 'string_start' || part.type === 'string_end') continue;
    if (part.type === 'string_content' || part.type === 'escape_sequence') {
      if (!variable) prefix += part.text;
      started = true;
      continue;
    }
    if (part.type === 'interpolation') {
      const inner = !started ? tempPath(part.childForFieldName('expression') ?? part.namedChildren[0], imports, depth + 1) : undefined;
      if (inner) {
        prefix = inner.prefix;
        variable = inner.variable;
        constants.push(...inner.constants);
      } else {
        variable = true;
      }
      started = true;
    }
  }
  return isTmpLiteral(prefix.replace(/\/$/, '')) || prefix.startsWith(GETTEMPDIR) ? { prefix, variable, constants } : undefined;
}

function joinPath(parts: Node[], imports: ImportMap, depth: number): TempPath | undefined {
  const base = tempPath(parts[0], imports, depth + 1);
  if (!base) return undefined;
  let { prefix, variable } = base;
  for (const part of parts.slice(1)) {
    const lit = stringValue(part);
    if (lit !== undefined && !variable) prefix = `${prefix.replace(/\/$/, '')}/${lit}`;
    else variable = true;
  }
  return { prefix: variable && !prefix.endsWith('/') ? `${prefix}/` : prefix, variable, constants: base.constants };
}

/** The one value assigned to a name in its function, else at module level. */
const ASSIGNMENT_INDEX = new TreeSlot<Map<number, Map<string, Node[]>>>('temp-file-leak: assignments per scope');

/**
 * The values assigned to each plain name directly in a scope (not in nested functions), indexed once per scope and
 * tree: looking them up per written path re-queried the whole module for every write (a test module writing
 * under a module constant hundreds of times took 300 ms).
 */
function assignmentsIn(scope: Node, scopeId: number): Map<string, Node[]> {
  const byScope = ASSIGNMENT_INDEX.get(scope.tree, () => new Map());
  let index = byScope.get(scopeId);
  if (index) return index;
  index = new Map();
  for (const { node } of captures(scope.tree, '(assignment left: (identifier) @left right: (_))', scope)) {
    if ((enclosingDef(node)?.id ?? -1) !== scopeId) continue;
    const list = index.get(node.text) ?? [];
    list.push(node.parent!.childForFieldName('right')!);
    index.set(node.text, list);
  }
  byScope.set(scopeId, index);
  return index;
}

function singleAssignment(name: Node): { value: Node; module: boolean } | undefined {
  const fn = enclosingDef(name);
  const find = (scope: Node, scopeId: number): Node[] => assignmentsIn(scope, scopeId).get(name.text) ?? [];
  const local = fn ? find(fn, fn.id) : [];
  if (local.length === 1) return { value: local[0], module: false };
  if (local.length > 1) return undefined;
  const global = find(rootOf(name), -1);
  return global.length === 1 ? { value: global[0], module: true } : undefined;
}

function isWriteMode(mode: Node | undefined): boolean {
  const m = stringValue(mode);
  return m !== undefined && /[wax]/.test(m);
}

/** The path a call writes to, or undefined when it does not write a file. */
function writtenPath(call: Node, imports: ImportMap): Node | undefined {
  const fn = call.childForFieldName('function')!;
  const args = positionalArguments(call);
  const q = imports.resolve(fn);
  if ((fn.type === 'identifier' && fn.text === 'open' && !q) || q === 'io.open') {
    return isWriteMode(keywordArgument(call, 'mode') ?? args[1]) ? keywordArgument(call, 'file') ?? args[0] : undefined;
  }
  if (q && WRITE_TO_SECOND.has(q)) return args[1];
  if (q && FILE_WRITERS.has(q)) return keywordArgument(call, 'filename') ?? args[0];
  if (q && ARCHIVE_WRITERS.has(q)) return isWriteMode(keywordArgument(call, 'mode') ?? args[1]) ? keywordArgument(call, 'file') ?? keywordArgument(call, 'name') ?? args[0] : undefined;
  if (fn.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')!.text;
  if (method === 'write_text' || method === 'write_bytes') return fn.childForFieldName('object')!;
  if (method === 'open' && isWriteMode(keywordArgument(call, 'mode') ?? args[0])) return fn.childForFieldName('object')!;
  if (!WRITE_METHODS.has(method)) return undefined;
  if (method === 'download_file') return args[2] ?? keywordArgument(call, 'Filename');
  if (method === 'extractall') return keywordArgument(call, 'path') ?? args[0];
  return args[0] ?? keywordArgument(call, 'path') ?? keywordArgument(call, 'path_or_buf') ?? keywordArgument(call, 'fname') ?? keywordArgument(call, 'dst');
}

function folderOf(prefix: string): string {
  const i = prefix.lastIndexOf('/');
  const folder = i > 0 ? prefix.slice(0, i) : prefix;
  return folder === GETTEMPDIR ? 'tempfile.gettempdir()' : folder;
}

function checkTmpWrites(ctx: RuleContext, tree: Tree, imports: ImportMap, functions: ReadonlyMap<string, Node[]>): void {
  if (!/gettempdir|tempdir|\/tmp\b/.test(ctx.file.text)) return;
  const reportedNames = new Set<string>();
  for (const { node: call } of captures(tree, '(call function: [(identifier) (attribute)] @f) @call')) {
    if (call.type !== 'call') continue;
    const target = writtenPath(call, imports);
    const temp = target ? tempPath(target, imports) : undefined;
    if (!target || !temp?.variable) continue;
    const fn = enclosingDef(call);
    const scope = fn ?? rootOf(call);
    const variable = target.type === 'identifier' ? target.text : undefined;
    const names = variable ? withAliases(scope, [variable]) : [target.text];
    if (cleanedIn(ctx, scope, names, imports, functions)) continue;
    const folder = folderOf(temp.prefix);
    if (folderCleanedElsewhere(ctx, tree, folder, temp.constants, fn)) continue;
    const key = `${fn?.id ?? -1}:${variable ?? call.id}`;
    if (reportedNames.has(key)) continue;
    const assigned = variable ? singleAssignment(target) : undefined;
    if (fn && assigned && cacheFileReadBack(tree, fn, assigned.value)) continue;
    reportedNames.add(key);
    const shown = assigned ? `${variable} = ${assigned.value.text}` : target.text;
    const deferred = fn ? deferredUse(fn, names) : undefined;
    const todo = deferred
      ? `delete it once ${short(deferred.childForFieldName('function')!.text)}() is done with it`
      : 'delete it in a finally block or use tempfile.NamedTemporaryFile()';
    ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      ...(deferred
        ? { messageId: 'written-file-handed-off', data: { folder: clip(folder, 24), consumer: clip(deferred.childForFieldName('function')!.text, 24) } }
        : { messageId: 'written-file', data: { folder: clip(folder, 24) } }),
      detail: `${short(shown)}: nothing in the workspace deletes it, and /tmp is RAM-backed or counted against the instance on most platforms. ${capitalize(todo)}.`,
      fixes: fn && variable ? writeFix(ctx, tree, fn, variable, names) : [],
    });
  }
}

/** Parts of a name that make each write a new file: ids, times and random values. */
const FRESH_NAME = /uuid|time|now\(|random|token_hex|token_urlsafe|secrets\.|mktemp|getpid|counter|\bid\(|hash/i;
/** Calls that read a file back whole by its path. */
const READS_BACK = /^(pd\.|pandas\.)?read_\w+$|^(pickle|joblib|torch|np|numpy)\.load$|^open$|^(json|yaml)\.load$/;

/**
 * `file_name = f"{tempfile.gettempdir()}/{org}-{project}-{model}.pkl"`, written here and built the same way in
 * another function of the module that reads it (`pd.read_pickle(file_name)`): a cache file, one per key, overwritten
 * by every save and meant to stay, not a leak per call. Not when the name takes an id, a time or a random value.
 */
function cacheFileReadBack(tree: Tree, writer: Node, value: Node): boolean {
  const text = value.text.replace(/\s+/g, '');
  if (FRESH_NAME.test(text)) return false;
  for (const { node } of captures(tree, '(assignment left: (identifier) @left right: (_) @right)')) {
    const assignment = node.parent;
    if (node.type === 'identifier' || !assignment || assignment.type !== 'assignment' || node.text.replace(/\s+/g, '') !== text) continue;
    const reader = enclosingDef(assignment);
    const name = assignment.childForFieldName('left')?.text;
    if (!reader || reader.id === writer.id || !name) continue;
    const readsIt = captures(tree, '(call function: [(identifier) (attribute)] @f) @call', reader).some(({ node: call }) => {
      if (call.type !== 'call' || !READS_BACK.test(call.childForFieldName('function')?.text ?? '')) return false;
      const first = call.childForFieldName('arguments')?.namedChildren[0];
      if (first?.text !== name) return false;
      return call.childForFieldName('function')?.text !== 'open' || !isWriteMode(call.childForFieldName('arguments')?.namedChildren[1] ?? undefined);
    });
    if (readsIt) return true;
  }
  return false;
}

function short(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

const LISTS_FILES = /\b(glob|rglob|iglob|listdir|iterdir|scandir|walk)\s*\(/;
const DELETES_FILES = /\bos\.(remove|unlink)\s*\(|\.unlink\s*\(|\brmtree\s*\(/;
const SHELL_DELETES = /-delete\b|\brm\s+-|tmpreaper|tmpwatch/;

/**
 * A sweeper for the folder: another function of this file, or a workspace file, that names the folder,
 * lists it and deletes files (a Celery beat task, a management command), or a shell/cron line that deletes there.
 */
function folderCleanedElsewhere(ctx: RuleContext, tree: Tree, folder: string, constants: readonly string[], writer: Node | undefined): boolean {
  // The temp root itself must be named as such (`"/tmp"`, gettempdir()), not merely as the start of `/tmp/exports`.
  const root = ['gettempdir', `"/tmp"`, `'/tmp'`, `"/tmp/"`, `'/tmp/'`];
  const needles = folder === 'tempfile.gettempdir()' || folder === '/tmp' ? [...root, ...constants] : [folder, ...constants];
  const sweeps = (text: string, names: readonly string[]) => names.some((n) => text.includes(n)) && LISTS_FILES.test(text) && DELETES_FILES.test(text);
  for (const defs of functionsByName(tree).values()) {
    if (defs.some((def) => def.id !== writer?.id && sweeps(def.text, needles))) return true;
  }
  const fileNeedles = needles.filter((n) => !constants.includes(n));
  let read = 0;
  for (const rel of ctx.project.files()) {
    if (rel === ctx.file.relPath || !CLEANUP_FILES.test(rel)) continue;
    if (++read > MAX_PROJECT_FILES) break;
    const text = ctx.project.readFile(rel);
    if (!text) continue;
    if (rel.endsWith('.py') ? sweeps(text, fileNeedles) : fileNeedles.some((n) => text.includes(n)) && SHELL_DELETES.test(text)) return true;
  }
  return false;
}

/** For a path in a local variable: wrap the rest of its block in try/finally that deletes it if it exists. */
function writeFix(ctx: RuleContext, tree: Tree, fn: Node, variable: string, names: readonly string[]): FixSpec[] {
  const assignment = captures(tree, '(assignment left: (identifier) @left right: (_))', fn)
    .map(({ node }) => node)
    .filter((node) => node.text === variable && enclosingDef(node)?.id === fn.id);
  if (assignment.length !== 1) return [];
  const statement = assignment[0].parent!.parent;
  if (statement?.type !== 'expression_statement') return [];
  return tryFinallyFix(ctx, tree, fn, { names: [variable], pathExpr: variable, statement }, names, 'write');
}
