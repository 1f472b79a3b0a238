/**
 * Uploads that arrive as a function parameter: the view hands `request.FILES["doc"]` to a service function, a
 * FileField validator gets the uploaded file as its value, a DRF serializer's `validate_<field>` gets the file of
 * a FileField/ImageField. What the parameter holds is found from the function's callers (in its own module, and
 * in the modules that import it by name) and from the field declarations that name it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { keywordArgument, parameterNames, positionalArguments } from './ast';
import { fromImports } from './imported-values';
import { pythonModules } from './module-graph';
import { inBatchScanThread } from '../cache';
import { fileDigest, MAY_PASS_UPLOAD } from './file-digests';
import type { Binding, FileSource, FileSourceKind } from './uploads';
import { escapeRegExp } from './web-context';
import { callSitesOf, functionRefOf, moduleTextOf, parametersOf, type FunctionRef } from './call-graph';

/** Classifies an argument at a call site (in its own scope) as a file source. */
export type ArgumentSource = (argument: Node, depth: number) => FileSource | undefined;

const upload = (kind: FileSourceKind): FileSource => ({ kind, async: kind === 'starlette', data: 'bytes', upload: true });

/** Upload classes by the name a parameter annotation uses. */
const UPLOAD_ANNOTATIONS: [RegExp, FileSourceKind][] = [
  [/^(UploadedFile|InMemoryUploadedFile|TemporaryUploadedFile|SimpleUploadedFile)$/, 'django'],
  [/^FileStorage$/, 'flask'],
];
/** Field classes whose value is an uploaded file (Django model/form fields, DRF serializer fields). */
const FILE_FIELD = /(^|\.)(FileField|ImageField)\s*\(/;
/** The argument text another module passes: an upload taken from the request there. */
const UPLOAD_ARGUMENT: [RegExp, FileSourceKind][] = [
  [/^(self\.)?(request|req)\.FILES\b|\bcleaned_data\b|\bvalidated_data\b/, 'django'],
  [/^(request|req)\.files\b/, 'flask'],
];
const MAX_CALLERS = 50;

export class UploadParameters {
  private readonly memo = new Map<string, FileSource | undefined>();

  constructor(
    private readonly tree: Tree,
    private readonly argumentSource: ArgumentSource,
    private readonly project?: ProjectInfo,
    private readonly relPath?: string,
  ) {}

  /** What a parameter binding holds when it is an upload, from its annotation, its field or its callers. */
  sourceOf(binding: Binding, depth: number): FileSource | undefined {
    if (binding.kind !== 'param') return undefined;
    const annotation = binding.value?.text.replace(/^.*\./, '');
    for (const [re, kind] of UPLOAD_ANNOTATIONS) if (annotation && re.test(annotation)) return upload(kind);
    const fn = enclosingFunction(binding.name);
    if (!fn || depth > 4) return undefined;
    const key = `${fn.id}:${binding.name.text}`;
    if (this.memo.has(key)) return this.memo.get(key);
    // A cycle (a function passing its parameter to itself) finds nothing new.
    this.memo.set(key, undefined);
    const found = this.fromFields(fn, binding.name) ?? this.fromCallers(fn, binding.name, depth);
    this.memo.set(key, found);
    return found;
  }

  /** `validators=[fn]` on a file field (the value is the file), or DRF `validate_<field>` of a file field. */
  private fromFields(fn: Node, param: Node): FileSource | undefined {
    const name = fn.childForFieldName('name')?.text ?? '';
    const params = parameterNames(fn);
    const method = isMethod(fn);
    const valueIndex = method ? 1 : 0;
    if (params[valueIndex] !== param.text) return undefined;
    const text = this.tree.rootNode.text;
    if (!method) {
      // validators=[validate_csv] inside a FileField(...) call of this module.
      const re = new RegExp(`(?:FileField|ImageField)\\s*\\([^()]*(?:\\([^()]*\\)[^()]*)*\\bvalidators\\s*=\\s*[\\[(][^\\])]*\\b${escapeRegExp(name)}\\b`);
      return re.test(text) ? upload('django') : undefined;
    }
    const field = /^validate_(\w+)$/.exec(name)?.[1];
    const cls = fn.parent?.parent?.type === 'class_definition' ? fn.parent.parent : fn.parent?.parent?.parent?.type === 'class_definition' ? fn.parent.parent.parent : undefined;
    if (!field || !cls) return undefined;
    const declared = new RegExp(`^\\s*${escapeRegExp(field)}\\s*=\\s*([\\w.]+)\\s*\\(`, 'm').exec(cls.text);
    return declared && FILE_FIELD.test(`${declared[1]}(`) ? upload('django') : undefined;
  }

  /** An upload passed at some call of the function, in its own module or in a module that imports it. */
  private fromCallers(fn: Node, param: Node, depth: number): FileSource | undefined {
    const name = fn.childForFieldName('name')?.text;
    if (!name) return undefined;
    const params = parameterNames(fn);
    const method = isMethod(fn);
    const index = params.indexOf(param.text) - (method ? 1 : 0);
    if (index < 0) return undefined;
    const text = this.tree.rootNode.text;
    const pattern = new RegExp(`${method ? '(?:self|cls)\\.' : '(?<![\\w.])'}${escapeRegExp(name)}\\s*\\(`, 'g');
    let count = 0;
    for (let m = pattern.exec(text); m && count < MAX_CALLERS; m = pattern.exec(text), count++) {
      const call = callAt(this.tree, m.index + m[0].indexOf(name));
      if (!call || call.startIndex >= fn.startIndex && call.endIndex <= fn.endIndex) continue;
      const arg = keywordArgument(call, param.text) ?? positionalArguments(call)[index];
      const source = arg ? this.argumentSource(arg, depth + 1) : undefined;
      if (source?.upload) return source;
    }
    const imported = method || fn.parent?.type !== 'module' ? undefined : this.fromImporters(name, param.text, index);
    return imported ?? this.fromCallGraph(fn, param.text, index);
  }

  /**
   * Callers the project's call graph finds in other modules (`import utils.files as uf; uf.save(f)`, a method of a
   * module-level instance, a class method), passing an upload from their request or their own upload parameter on.
   */
  private fromCallGraph(fn: Node, param: string, index: number): FileSource | undefined {
    const project = this.project;
    const relPath = this.relPath;
    if (!project || !relPath) return undefined;
    const ref = functionRefOf(fn, relPath);
    if (!ref || !ref.fn.equals(fn)) return undefined;
    return this.uploadAtSites(project, relPath, ref, param, index, 0);
  }

  private uploadAtSites(project: ProjectInfo, relPath: string, ref: FunctionRef, param: string, index: number, depth: number): FileSource | undefined {
    for (const site of callSitesOf(project, this.tree, relPath, ref)) {
      if (site.file === relPath) continue; // its own module's calls were judged on the tree
      const arg = site.keywords.get(param) ?? site.args[index];
      const text = arg && moduleTextOf(project, this.tree, relPath, site.file);
      if (!arg || !text) continue;
      const kind = this.uploadArgument(arg, text);
      if (kind) return upload(kind);
      // The caller's own parameter, passed on: an upload when the caller's callers pass one.
      if (depth >= 2 || !site.from || !/^[A-Za-z_]\w*$/.test(arg)) continue;
      const caller: FunctionRef = { file: site.file, key: site.from };
      const shape = parametersOf(project, this.tree, relPath, caller);
      const at = shape ? shape.params.indexOf(arg) - (shape.method ? 1 : 0) : -1;
      const found = at >= 0 ? this.uploadAtSites(project, relPath, caller, arg, at, depth + 1) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  /** Modules that `from <this module> import name` and call it with an upload from their request. */
  private fromImporters(name: string, param: string, index: number): FileSource | undefined {
    const project = this.project;
    const relPath = this.relPath;
    if (!project || !relPath) return undefined;
    const files = project.files();
    const modules = pythonModules(project, files);
    const call = new RegExp(`(?<![\\w.])${escapeRegExp(name)}\\s*\\(([^()\\n]*(?:\\([^()\\n]*\\)[^()\\n]*)*)\\)`, 'g');
    for (const file of inBatchScanThread() ? mayPassUploads(project, files) : files) {
      if (file === relPath || !file.endsWith('.py')) continue;
      const text = project.readFile(file);
      // uploadArgument() finds an upload only in a module naming one of these (exact, as its patterns need them).
      if (!text || !text.includes(name) || !MAY_PASS_UPLOAD.test(text)) continue;
      const origin = fromImports(text).get(name);
      if (!origin || origin[1] !== name) continue;
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      const index_ = modules.index(['', dir]);
      const absolute: string | undefined = origin[0].startsWith('.') ? index_.absoluteName(file, origin[0]) : origin[0];
      if (!absolute || index_.resolve(absolute)?.file !== relPath) continue;
      for (const m of text.matchAll(call)) {
        const args = splitArguments(m[1]);
        const keyword = args.find((a) => a.startsWith(`${param}=`))?.slice(param.length + 1).trim();
        const arg = keyword ?? (args[index] !== undefined && !args[index].includes('=') ? args[index] : undefined);
        const kind = arg && this.uploadArgument(arg, text);
        if (kind) return upload(kind);
      }
    }
    return undefined;
  }

  /** `request.FILES["f"]`, `request.files.get("f")`, or a name the caller assigned one of those to (or typed `UploadFile`). */
  private uploadArgument(arg: string, text: string): FileSourceKind | undefined {
    for (const [re, kind] of UPLOAD_ARGUMENT) if (re.test(arg)) return kind;
    if (!/^[A-Za-z_]\w*$/.test(arg)) return undefined;
    if (new RegExp(`\\b${arg}\\s*:\\s*(?:[\\w.]+\\.)?UploadFile\\b`).test(text)) return 'starlette';
    const assigned = new RegExp(`^\\s*${arg}\\s*=\\s*([^\\n]+)`, 'm').exec(text)?.[1].trim();
    if (!assigned) return undefined;
    for (const [re, kind] of UPLOAD_ARGUMENT) if (re.test(assigned)) return kind;
    return undefined;
  }
}

/**
 * A batch scan's Python files whose text may pass an upload (MAY_PASS_UPLOAD, from file-digests.ts: each file read
 * once and not kept): the loop above read every file of the project through readFile, which kept them all.
 */
const uploadPassers = new WeakMap<ProjectInfo, { files: readonly string[]; passers: string[] }>();

function mayPassUploads(project: ProjectInfo, files: readonly string[]): readonly string[] {
  const known = uploadPassers.get(project);
  if (known?.files === files) return known.passers;
  const passers = files.filter((file) => file.endsWith('.py') && fileDigest(project, file).mayPassUpload);
  uploadPassers.set(project, { files, passers });
  return passers;
}

function enclosingFunction(param: Node): Node | undefined {
  let n: Node | null = param.parent;
  while (n && n.type !== 'function_definition' && n.type !== 'lambda') n = n.parent;
  return n?.type === 'function_definition' ? n : undefined;
}

function isMethod(fn: Node): boolean {
  const holder = fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
  return holder.parent?.type === 'block' && holder.parent.parent?.type === 'class_definition';
}

/** The call whose function name starts at `offset` (`name(` or `self.name(`). */
export function callAt(tree: Tree, offset: number): Node | undefined {
  const id = tree.rootNode.descendantForIndex(offset);
  if (id?.type !== 'identifier') return undefined;
  const fn = id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.equals(id) ? id.parent : id;
  const call = fn.parent;
  return call?.type === 'call' && call.childForFieldName('function')?.equals(fn) ? call : undefined;
}

/** Top-level comma-separated parts of an argument list's text. */
function splitArguments(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

