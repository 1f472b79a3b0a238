/**
 * whole-file-read (Python): uploads, files and downloads read into memory in one piece.
 */
import { clip } from '../shared/format';
import type { Node, Tree } from 'web-tree-sitter';
import { defineRule, type FixSpec, type RuleContext } from '../api';
import { captures, indentOf, keywordArgument, positionalArguments, stringValue } from '../../analysis/python/ast';
import { importsOf, type ImportMap } from '../../analysis/python/imports';
import { inDeadFunction } from '../../analysis/python/dead-functions';
import { UploadParameters } from '../../analysis/python/upload-parameters';
import { sentAsResponse } from '../../analysis/python/file-responses';
import { isRawRequestBody } from '../../analysis/python/request-body';
import { parsedLater, usedAsOneValue } from '../../analysis/python/small-files';
import { StatementFindingsCache, statementMatches, topLevelStatements, type TopLevelStatement } from '../../analysis/python/statements';
import { wholeReadTrigger } from './python-trigger';
import { importsHttpClient, wholeFetchedBodies } from './python-fetch';
import { RequestValues } from '../../analysis/python/request-values';
import { sizeCheckedBefore } from '../../analysis/python/upload-size-guards';
import { attachedToOneEmail } from '../../analysis/python/email-attachments';
import { adminOnlyCode } from '../../analysis/python/admin-only-code';
import { djangoBodyCap, flaskContentCap, SMALL_BODY_CAP, streamlitUploadCap } from '../../analysis/python/upload-caps';
import { shippedSmallFile } from '../../analysis/python/shipped-files';
import { FileSources, isSmallConfigPath, isStableExpression, isTestFile, scopeOf, type FileSource } from '../../analysis/python/uploads';
import { wholeFileReadMeta } from './meta';
import { BoundedCache } from '../../analysis/cache';

const CHUNK_SIZE = 65536;
const BASE64_DECODERS = new Set(['base64.b64decode', 'base64.urlsafe_b64decode', 'base64.standard_b64decode', 'base64.decodebytes']);
const PATH_CLASSES = new Set(['pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath', 'pathlib.WindowsPath']);
const PATH_METHODS = new Set(['joinpath', 'with_name', 'with_suffix', 'resolve', 'absolute', 'expanduser']);
/** Names of the calls this rule looks at (as a method or a bare function). */
const CALL_NAMES = ['ContentFile', 'read', 'readlines', 'getvalue', 'getbuffer', 'read_bytes', 'read_text', 'download_fileobj', 'b64decode', 'urlsafe_b64decode', 'standard_b64decode', 'decodebytes', 'MediaIoBaseDownload'];

export default defineRule({
  meta: {
    ...wholeFileReadMeta,
    kinds: ['python'],
    trigger: wholeReadTrigger,
    docs: {
      summary: 'Uploads, files and downloads read into memory in one piece.',
      whatItDoes:
        'Finds `.read()` / `.readlines()` without a size on uploads (Django `request.FILES[...]`, DRF `request.data[...]`, ' +
        'form `cleaned_data[...]`, Flask `request.files[...]`, FastAPI/Starlette `UploadFile` parameters including ' +
        '`await file.read()`; also where the upload arrives as a parameter: a service function a view hands it to, in ' +
        'its module or in another the project\'s call graph resolves (`from services import save`, `import utils.files as uf; ' +
        'uf.save(f)`, a method of a module-level instance, a class method, the upload passed on through helpers), a FileField `validators=[...]` function, a DRF serializer\'s ' +
        '`validate_<field>` of a FileField/ImageField) and on `open(...)` / `aiofiles.open(...)` / `tempfile.TemporaryFile(...)` handles; any ' +
        'file object read whole only to be stored again, `ContentFile(f.read())` or `zip_file.writestr(name, f.read())`; any `.read()` fed straight into ' +
        '`hashlib.*(...)` or `hasher.update(...)`; Streamlit `UploadedFile.getvalue()` / `getbuffer()`; ' +
        '`Path.read_bytes()` / `read_text()`; S3 `["Body"].read()`; a download streamed into an `io.BytesIO` and copied ' +
        'out with `.getvalue()` (Google `MediaIoBaseDownload`, boto3 `download_fileobj`; not a Drive `export_media()`, ' +
        'which Google caps at 10 MB); and `base64.b64decode` of a ' +
        'whole request field (`request.data[...]`, `request.POST[...]`, `request.json[...]`, a FastAPI body model field); ' +
        '`ContentFile(request.body)`, the whole raw body stored as a file. Base64 fields are followed through ' +
        'parameters too (a helper its callers hand `request.json["image"]` or Flask-RESTful `parser.parse_args()["image"]`). ' +
        'HTTP bodies whose size the client decides: `.content` / `.text` of a requests or httpx response, `await resp.read()` / ' +
        '`text()` of aiohttp, `urlopen(url).read()`, when the URL is the request\'s own (a query or body field, a FastAPI ' +
        'query parameter, a body model field, or a helper parameter its callers fill with one), and an upstream answer a ' +
        'proxy route returns whole (`return r.text`) after forwarding the client\'s JSON, form or query to it. A file read whole only to be sent back ' +
        '(`HttpResponse(f.read())`, directly or through a variable) gets its own message naming the streaming response to use ' +
        '(Django `FileResponse`, Flask `send_file`, Starlette `FileResponse`).',
      whyIsThisBad:
        'A whole read allocates as many bytes as the file has, in one object, in the worker handling the request: ' +
        'one 300 MB upload is 300 MB of RAM, and a few concurrent ones restart a 512 MB instance. Decoding, hashing ' +
        'or parsing the bytes afterwards often needs a second copy. Reading in fixed-size chunks keeps memory flat ' +
        'whatever the file size.',
      example: {
        fileName: 'views.py',
        code: `import hashlib

from django.http import JsonResponse


def upload_document(request):
    upload = request.FILES["document"]
    checksum = hashlib.sha256(upload.read()).hexdigest()
    return JsonResponse({"sha256": checksum})
`,
      },
      useInstead: {
        fileName: 'views.py',
        code: `import hashlib

from django.http import JsonResponse


def upload_document(request):
    upload = request.FILES["document"]
    hasher = hashlib.sha256()
    for chunk in upload.chunks():
        hasher.update(chunk)
    checksum = hasher.hexdigest()
    return JsonResponse({"sha256": checksum})
`,
      },
      fixSafety:
        'Hashing rewrites (`hashlib.sha256(f.read())` and `hasher.update(f.read())` into an incremental loop) are safe: ' +
        'they produce the same digest. (Django\'s `.chunks()` starts from the beginning of the upload, as a first read does.) ' +
        'Writing rewrites (`out.write(f.read())` into a chunk loop), `data = f.read()` used once later, and ' +
        '`for line in f.readlines()` into `for line in f` are unsafe: they move or split the read. ' +
        '`len(upload.read())` of a Django upload becomes `upload.size` (unsafe: the file position stays at the start). ' +
        'Other reads get no fix; the message says what to use.',
      notes:
        'Uploads the view refuses above a small constant size first (`if file.size > 5 * 1024 * 1024: raise ...`, at most ' +
        '10 MB, or Django\'s `if upload.multiple_chunks(): return ...`, one 64 KB chunk) and uploads only administrators or staff can send (`@staff_member_required`, DRF `IsAdminUser`, ' +
        '`Depends(get_current_admin_user)`, `@roles_required("admin")`, `if not user.is_staff: raise ...` first) are not reported, nor `ContentFile(request.body)` while Django\'s ' +
        '`DATA_UPLOAD_MAX_MEMORY_SIZE` stays at most 10 MB (2.5 MB when unset). ' +
        'A local file handed whole to a whole-document parser (`json.loads(f.read())`, yaml/toml loads, ' +
        '`base64.b64encode(f.read())`) is not reported: `json.load(f)` reads it all too; uploads still are. Nor is a local file attached to one ' +
        'email (`mail.attach(name, f.read(), mimetype)`, `msg.add_attachment(f.read(), ...)`, `MIMEApplication(f.read())` ' +
        'outside a loop): the message holds it whole anyway and mail servers cap its size. Reads in a ' +
        'top-level function that no file of the project names (dead code) are not reported when the project has a ' +
        'dependency or deploy file. ' +
        'Small files an app ships or is configured with are not reported: `open("config.json").read()`, ' +
        '`(BASE_DIR / "settings.yaml").read_text()`, `Path(secret_path).read_text()` — a path whose last component is a ' +
        'string ending in .json/.toml/.yaml/.ini/.cfg/.conf/.txt/.md/.env/.pem/.key/.crt/.html/.j2/.sql or containing ' +
        '"config"/"settings", a name with a word such as key, cert, secret, template, prompt, token, credentials or schema ' +
        '(`KEY_PATH`, `settings.MAIL_TEMPLATE_FILE`, `with open(p) as key_file`, an open inside `def _load_key()`), unless ' +
        'the path ends in a data extension (.csv, .log, .pdf, ...) or the name says export, download, upload, log or backup; ' +
        'and reads inside a cached function (`@lru_cache`, `@cache.memoize()`), which run once per file, not per request. ' +
        'A file the repository ships is not reported either: a path whose literal end (`root + "templates/codes.csv"`, ' +
        '`os.path.join(BASE_DIR, "data", "words.txt")`, `Path(__file__).parent / "data.json"`) names a file of at most 256 KB ' +
        'beside the module, in a folder above it or at the project\'s root, that no line of the project writes; and a ' +
        'listing of a package of the project (`for name in os.listdir("website/models")`) reads its own sources. ' +
        'Also small by design: a path from an environment variable named for such a file (`os.getenv("GOOGLE_CREDENTIALS_PATH")`), ' +
        'pid, lock and marker files (`pid_file`, `app.pid`), content used as one value (`f.read().strip() == today`, ' +
        '`int(f.read())`), and content parsed whole further on (`raw = obj["Body"].read().decode()` then `json.loads(raw)`, ' +
        'or a function returning `f.read()` whose callers all parse it). A function only the `if __name__ == "__main__":` ' +
        'block calls, in a module no deploy file starts, runs by hand only and is not reported. ' +
        'Streamlit uploads under a `server.maxUploadSize` of at most 10 MB (`.streamlit/config.toml`) and Flask uploads ' +
        'and body fields under a `MAX_CONTENT_LENGTH` of at most 10 MB are not reported; nor are streamed downloads ' +
        '(`stream=True` with `iter_content()`), templates and markdown read to be compiled or rendered whole ' +
        '(`Template(f.read())`, `st.markdown(text)`). ' +
        'Bounded reads (`read(8192)`, `iter(lambda: f.read(65536), b"")`, ' +
        '`while chunk := f.read(n)`) and `f.chunks()` are never reported. Test modules (`tests/`, `test_*.py`, ' +
        '`conftest.py`) are skipped. The TypeScript side of this rule lives in its own file.',
    },
  },
  check(ctx) {
    if (isTestFile(ctx.file.relPath)) return;
    const tree = ctx.python();
    const imports = importsOf(tree);
    // A read inside a module-level function nothing in production calls never runs there: not reported.
    const live: RuleContext = Object.create(ctx, {
      report: { value: (spec: Parameters<RuleContext['report']>[0]) => (inDeadFunction(ctx, tree, spec.start) ? undefined : ctx.report(spec)) },
    });
    // Parameters are judged from their callers and fields (a service handed request.FILES["doc"], a FileField validator):
    // an analysis that asks about them, or about callers of a function returning the text, looked outside its statement.
    let outside = false;
    let sources: FileSources | undefined = undefined;
    const parameters = new UploadParameters(tree, (arg, depth) => sources!.fileSource(arg, depth), ctx.project, ctx.file.relPath);
    sources = new FileSources(
      tree,
      imports,
      (binding, depth) => {
        outside = true;
        return parameters.sourceOf(binding, depth);
      },
      (path) => shippedSmallFile(path, ctx.project, ctx.file.relPath),
    );
    const bodyValues = new RequestValues(tree, sources, ctx.project, ctx.file.relPath, true);
    // The few calls whose name can matter, found from the text: cheaper than a query over the whole tree.
    const aliases = [...imports.names].filter(([local, qualified]) => BASE64_DECODERS.has(qualified) && !CALL_NAMES.includes(local)).map(([local]) => local);
    const names = [...CALL_NAMES, ...aliases];
    const context = statementContext(ctx, tree, imports);
    if (FETCHED_BODY.test(ctx.file.text) && importsHttpClient(imports)) {
      // Request values followed into callers, or sources into parameters, read outside the statement.
      const urlValues = new RequestValues(tree, sources, ctx.project, ctx.file.relPath, false, () => (outside = true));
      for (const statement of topLevelStatements(tree)) {
        if (!statementMatches(statement, FETCHED_BODY)) continue;
        const analyse = (report: RuleContext['report']): true | undefined => {
          outside = false;
          reportFetchedBodies(report, tree, imports, sources!, urlValues, statement);
          return outside ? undefined : true;
        };
        if (context !== undefined && DEFINITIONS.has(statement.type)) fetchedFindings.check(live, statement, context, () => true, analyse);
        else analyse((spec) => live.report(spec));
      }
    }
    const mayCall = callPattern(names);
    for (const statement of topLevelStatements(tree)) {
      // Asked once per statement text: a keystroke tests the statement it changed, not the whole module.
      if (!statementMatches(statement, mayCall)) continue;
      const analyse = (report: RuleContext['report']): true | undefined => {
        outside = false;
        const checker = new WholeReadChecker(Object.create(live, { report: { value: report } }), imports, sources!, () => (outside = true), bodyValues);
        for (const call of callsNamed(tree, statement.text, names, statement.start)) checker.check(call);
        return outside ? undefined : true;
      };
      // A definition's reads are judged from its own text, the imports and the module-level names: replayed while
      // those are unchanged (the dead-function filter of `live` still runs on every replay), unless the analysis
      // looked at other statements or files (then it is not kept).
      if (context !== undefined && DEFINITIONS.has(statement.type)) readFindings.check(live, statement, context, () => true, analyse);
      else analyse((spec) => live.report(spec));
    }
  },
});

/** The body attributes and methods python-fetch.ts looks at. */
const FETCHED_BODY = /\.(content|text|read|aread)\b/;
const fetchedFindings = new StatementFindingsCache<true>('whole-file-read: fetched bodies per statement');

/** Response bodies of caller-chosen URLs, and upstream answers a proxy route relays whole (python-fetch.ts), in one statement. */
function reportFetchedBodies(report: RuleContext['report'], tree: Tree, imports: ImportMap, sources: FileSources, values: RequestValues, statement: TopLevelStatement): void {
  for (const body of wholeFetchedBodies(tree, imports, sources, values, statement.text, statement.start)) {
    const url = clip(body.url, 40);
    report({
      start: body.node.startIndex,
      end: body.node.endIndex,
      messageId: body.why === 'chosen' ? 'fetched-body' : 'relayed-body',
      detail:
        body.why === 'chosen'
          ? `${url} comes from the request, so the client decides how large this body is, and all of it is held at once in the worker. Stream it (stream=True and iter_content(65536)) to a temporary file, and stop past a size cap.`
          : 'The upstream answer to the client\'s own query is held whole in the worker before it is sent back: the client decides its size. Relay it in chunks (stream=True with iter_content() into a streaming response).',
    });
  }
}

/** `\b(?:name|...)\s*\(` for these call names: one RegExp per list, so statement answers are kept per pattern. */
function callPattern(names: readonly string[]): RegExp {
  const key = names.join('|');
  let pattern = CALL_PATTERNS.get(key);
  if (!pattern) CALL_PATTERNS.set(key, (pattern = new RegExp(`\\b(?:${key})\\s*\\(`)));
  return pattern;
}

/** Lists differ only by a file's base64 aliases: a few are in use at once. */
const CALL_PATTERNS = new BoundedCache<RegExp>(100);

/** Statements whose reads never look at the module's other statements but for its module-level names. */
const DEFINITIONS = new Set(['function_definition', 'class_definition', 'decorated_definition']);
/** Module-level statements that bind no name a read could resolve to (uploads.ts's Bindings skips them too). */
const BINDS_NOTHING = new Set([...DEFINITIONS, 'import_statement', 'import_from_statement', 'future_import_statement', 'comment']);
const readFindings = new StatementFindingsCache<true>('whole-file-read: reads per statement');

/**
 * What a definition's findings read outside its own text: the file's path (test files, small config names), the
 * imports, and the module-level bindings (the texts of the module-level statements that bind names); undefined
 * when one of those statements' parse is not a function of its text (then nothing is replayed).
 */
function statementContext(ctx: RuleContext, tree: Tree, imports: ImportMap): string | undefined {
  const bindings: number[] = [];
  for (const s of topLevelStatements(tree)) {
    if (BINDS_NOTHING.has(s.type)) continue;
    if (!s.cacheable) return undefined;
    bindings.push(s.textId);
  }
  return `${ctx.file.relPath}\u0000${JSON.stringify([...imports.names])}\u0000${bindings.join(',')}`;
}


/** Parsers that need a document whole: their file-taking variants (`json.load`, `tomllib.load`) read it all too. */
const WHOLE_DOCUMENT_PARSERS = new Set([
  'json.loads', 'orjson.loads', 'ujson.loads', 'tomllib.loads', 'tomli.loads', 'toml.loads',
  'yaml.safe_load', 'yaml.load', 'yaml.full_load', 'base64.b64encode', 'base64.standard_b64encode',
  // Templates are compiled whole and markdown is rendered whole: the text is needed in one piece.
  'jinja2.Template', 'string.Template', 'mako.template.Template', 'django.template.Template', 'chevron.render', 'pystache.render',
  'markdown.markdown', 'markdown2.markdown', 'mistune.html', 'mistune.markdown', 'streamlit.markdown',
]);

class WholeReadChecker {
  private readonly identifierCache = new Map<number, Node[]>();

  constructor(
    private readonly ctx: RuleContext,
    private readonly imports: ImportMap,
    private readonly sources: FileSources,
    /** Called when a judgement reads beyond the statement (callers of a function): the answer is then not replayed. */
    private readonly lookedOutside: () => void = () => undefined,
    /** Request body fields, also through parameters that callers fill with one. */
    private readonly bodyValues?: RequestValues,
  ) {}

  check(call: Node): void {
    const fn = call.childForFieldName('function')!;
    const qualified = this.imports.resolve(fn);
    if (qualified && BASE64_DECODERS.has(qualified)) return this.checkBase64(call);
    if (qualified === 'django.core.files.base.ContentFile') return this.checkBodyCopy(call);
    if (qualified?.endsWith('MediaIoBaseDownload') || (fn.type === 'identifier' && fn.text === 'MediaIoBaseDownload')) {
      // Drive's files().export_media() returns at most 10 MB (a Google Doc exported as text or PDF): bounded by the API.
      if (this.isDriveExport(keywordArgument(call, 'request') ?? positionalArguments(call)[1])) return;
      return this.checkDownload(call, keywordArgument(call, 'fd') ?? positionalArguments(call)[0], 'MediaIoBaseDownload');
    }
    if (fn.type !== 'attribute') return;
    const method = fn.childForFieldName('attribute')?.text;
    const receiver = fn.childForFieldName('object');
    if (!receiver) return;
    switch (method) {
      case 'read':
      case 'readlines':
        if (readsEverything(call)) this.checkRead(call, receiver, method);
        return;
      case 'getvalue':
      case 'getbuffer':
        if (hasNoArguments(call) && this.sources.fileSource(receiver)?.kind === 'streamlit' && !this.underSmallCap('streamlit')) this.reportStreamlitCopy(call, receiver, method);
        return;
      case 'read_bytes':
      case 'read_text':
        return this.checkPathRead(call, receiver, method);
      case 'download_fileobj': {
        const args = positionalArguments(call);
        return this.checkDownload(call, keywordArgument(call, 'Fileobj') ?? args[args.length - 1], 'download_fileobj');
      }
    }
  }

  private isDriveExport(request: Node | undefined): boolean {
    const value = request?.type === 'identifier' ? this.sources.lookup(request)?.value : request;
    const fn = value?.type === 'call' ? value.childForFieldName('function') : undefined;
    return fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'export_media';
  }

  // --- .read() / .readlines() ----------------------------------------------------------------------------

  private checkRead(call: Node, receiver: Node, method: 'read' | 'readlines'): void {
    const source = this.sources.fileSource(receiver);
    const readExpr = call.parent?.type === 'await' ? call.parent : call;
    if (method === 'readlines') {
      if (!source || source.kind === 'streamlit') return;
      const loop = call.parent;
      const isLoopIterable = (loop?.type === 'for_statement' || loop?.type === 'for_in_clause') && loop.childForFieldName('right')?.equals(call);
      const fixes: FixSpec[] =
        isLoopIterable && source.kind === 'open'
          ? [{ title: `Iterate over ${short(receiver)} line by line`, safety: 'unsafe', edits: [{ start: receiver.endIndex, end: call.endIndex, newText: '' }] }]
          : [];
      this.ctx.report({
        start: call.startIndex,
        end: call.endIndex,
        messageId: source.kind === 'open' ? 'readlines-file' : 'readlines-upload',
        detail: `The list holds the whole size plus a string object per line. Iterate over the file object itself (for line in ${short(receiver)}) instead.`,
        fixes,
      });
      return;
    }
    if (this.underSmallCap(source?.kind)) return;
    // An upload refused above a small constant size first: the read holds at most that (upload-size-guards.ts); one
    // only administrators or staff can send: the site's own people (admin-only-code.ts).
    if (source?.upload && (sizeCheckedBefore(readExpr, receiver, () => this.lookedOutside()) || adminOnlyCode(readExpr, () => this.lookedOutside()))) return;
    const hashing = this.isHashInput(readExpr);
    if (!source && !hashing) {
      const copy = this.copiedWhole(readExpr);
      if (copy) this.reportWholeCopy(readExpr, receiver, copy);
      return;
    }
    if (source && !source.upload && (this.parsedWhole(readExpr) || this.smallByUse(readExpr))) return;
    // A temporary file holds what the code wrote: one rendered document is its own size; rows written in a loop grow.
    if (source?.temporary && !writtenInLoop(readExpr)) return;
    const instead = source?.kind === 'open' && !source.temporary ? sentAsResponse(readExpr, this.imports, (n) => this.usesOf(n)) : undefined;
    this.ctx.report({
      start: readExpr.startIndex,
      end: readExpr.endIndex,
      ...(instead ? fileResponseMessage(instead) : readMessage(source, receiver, hashing, readExpr)),
      fixes: this.chunkFixes(readExpr, receiver, source, hashing),
    });
  }

  /**
   * A Streamlit upload under a small `server.maxUploadSize`, a Flask body under a small `MAX_CONTENT_LENGTH`: the
   * whole read holds at most the cap (analysis/python/upload-caps.ts). Read from other files: the answer is not replayed.
   */
  private underSmallCap(kind: string | undefined): boolean {
    if (kind !== 'streamlit' && kind !== 'flask') return false;
    this.lookedOutside();
    const cap = kind === 'streamlit' ? streamlitUploadCap(this.ctx.project) : flaskContentCap(this.ctx.project);
    return cap !== undefined && cap <= SMALL_BODY_CAP;
  }

  /** A file used as one value (a pid, a date) or parsed whole further on: analysis/python/small-files.ts. */
  private smallByUse(readExpr: Node): boolean {
    if (usedAsOneValue(readExpr)) return true;
    this.lookedOutside(); // a returned text is judged from the function's callers
    return parsedLater(readExpr, (n) => this.usesOf(n), (value) => this.parsedWhole(value));
  }

  /** The later uses of the name an assignment binds, in its scope. */
  private usesOf(target: Node): Node[] {
    return this.identifiersIn(scopeOf(target)).filter((n) => {
      if (n.text !== target.text || n.equals(target)) return false;
      const b = this.sources.lookup(n);
      if (b?.name.equals(target)) return true;
      // `x = json.loads(x)`: the right side reads the x bound before this assignment.
      const right = b?.kind === 'assign' ? b.value : undefined;
      return !!right && n.startIndex >= right.startIndex && n.endIndex <= right.endIndex && this.sources.lookup(b!.name)?.name.equals(target) === true;
    });
  }

  /** `ContentFile(request.body)`: the whole raw body, held in memory to be stored as a file. */
  private checkBodyCopy(call: Node): void {
    if (!isRawRequestBody(keywordArgument(call, 'content') ?? positionalArguments(call)[0], (id) => this.sources.lookup(id))) return;
    // Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless settings raise it) before request.body reads it.
    this.lookedOutside();
    const cap = djangoBodyCap(this.ctx.project);
    if (cap !== undefined && cap <= SMALL_BODY_CAP) return;
    this.ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'request-body-file',
      detail: 'request.body is the whole body as one bytes object, as large as the client sends (Django caps it at DATA_UPLOAD_MAX_MEMORY_SIZE unless that is None). A multipart upload in request.FILES is streamed to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE.',
    });
  }

  /**
   * A file's content handed whole to a parser that needs the whole document (`json.loads(f.read())`,
   * `json.loads(f.read().decode())`, `base64.b64encode(f.read())` for an inline data URI): reading it in chunks
   * saves nothing, `json.load(f)` itself reads the whole file. Uploads are still reported: their size is the client's.
   */
  private parsedWhole(slot: Node): boolean {
    let value = slot;
    // f.read().decode("utf-8")
    const attr = value.parent;
    if (attr?.type === 'attribute' && attr.childForFieldName('object')?.equals(value) && attr.childForFieldName('attribute')?.text === 'decode' && attr.parent?.type === 'call') {
      value = attr.parent;
    }
    // Attached to one email, which holds it whole anyway (email-attachments.ts).
    if (attachedToOneEmail(value)) return true;
    const call = argumentOwner(value);
    if (!call || !positionalArguments(call)[0]?.equals(value)) return false;
    return WHOLE_DOCUMENT_PARSERS.has(this.imports.resolve(call.childForFieldName('function')) ?? '');
  }

  /**
   * Any file object read whole only to be stored again: `ContentFile(f.read())` (Django's File(f) would copy it in
   * chunks) or `zip_file.writestr(name, f.read())` (ZipFile.open(name, "w") takes it in chunks). Whatever `f` is,
   * a stored file, an attachment, an asset, the copy holds its full size, once per file of the loop around it.
   */
  private copiedWhole(slot: Node): 'content-file' | 'zip' | undefined {
    const call = argumentOwner(slot);
    if (!call || slot.parent?.type === 'keyword_argument') return undefined;
    const fn = call.childForFieldName('function')!;
    const args = positionalArguments(call);
    if (this.imports.resolve(fn) === 'django.core.files.base.ContentFile' && args[0]?.equals(slot)) return 'content-file';
    if (fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'writestr' && args[1]?.equals(slot)) return 'zip';
    return undefined;
  }

  private reportWholeCopy(readExpr: Node, receiver: Node, copy: 'content-file' | 'zip'): void {
    const r = short(receiver);
    this.ctx.report({
      start: readExpr.startIndex,
      end: readExpr.endIndex,
      messageId: copy === 'content-file' ? 'copy-into-content-file' : 'copy-into-zip',
      data: { file: clip(r, 30) },
      detail:
        copy === 'content-file'
          ? `ContentFile(${r}.read()) holds the whole file in memory to save it again. Wrap the file object instead, File(${r}) from django.core.files, and the storage copies it in chunks.`
          : `writestr() takes the whole file as one bytes object. Open the archive member for writing, with zip_file.open(name, "w") as dest: shutil.copyfileobj(${r}, dest), and it is copied in chunks.`,
    });
  }

  /** The read is the data argument of `hashlib.<alg>(...)` / `hashlib.new(name, ...)` or of `hasher.update(...)`. */
  private isHashInput(slot: Node): boolean {
    const call = argumentOwner(slot);
    if (!call) return false;
    const fn = call.childForFieldName('function')!;
    const qualified = this.imports.resolve(fn);
    if (qualified?.startsWith('hashlib.') && qualified !== 'hashlib.file_digest') return true;
    return fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'update' && this.isHasher(fn.childForFieldName('object'));
  }

  private isHasher(node: Node | null): boolean {
    if (!node) return false;
    if (node.type === 'identifier') {
      const value = this.sources.lookup(node)?.value;
      if (value?.type === 'call' && this.imports.resolve(value.childForFieldName('function'))?.startsWith('hashlib.')) return true;
    }
    const name = node.type === 'attribute' ? node.childForFieldName('attribute')?.text : node.type === 'identifier' ? node.text : undefined;
    return name !== undefined && /hash|sha\d*|md5|digest|blake/i.test(name);
  }

  // --- fixes -------------------------------------------------------------------------------------------------

  private chunkFixes(readExpr: Node, receiver: Node, source: FileSource | undefined, hashing: boolean): FixSpec[] {
    const size = sizeFix(readExpr, receiver, source);
    if (size) return [size];
    const scope = scopeOf(readExpr);
    const names = this.identifiersIn(scope);
    const chunk = freshName(names, ['chunk', 'file_chunk', 'data_chunk']);
    const header = chunkLoopHeader(readExpr, receiver, source, hashing, chunk);
    if (!header) return [];

    // The read feeds the sink directly: hashlib.sha256(f.read()), hasher.update(f.read()), out.write(f.read()).
    const direct = this.sinkRewrite(readExpr, header, chunk, names);
    if (direct) {
      return [{ title: direct.title, safety: direct.kind === 'hash' ? 'safe' : 'unsafe', edits: [direct.edit] }];
    }

    // data = f.read() ... one later use of data in such a sink: drop the read, loop at the use.
    const assignment = readExpr.parent;
    if (assignment?.type !== 'assignment' || !assignment.childForFieldName('right')?.equals(readExpr)) return [];
    const target = assignment.childForFieldName('left');
    const statement = assignment.parent;
    if (target?.type !== 'identifier' || assignment.childForFieldName('type') || statement?.type !== 'expression_statement' || !standsAlone(this.ctx.file.text, statement)) return [];
    const uses = names.filter((n) => n.text === target.text && !n.equals(target));
    if (uses.length !== 1 || uses[0].startIndex < statement.endIndex || !scopeOf(uses[0]).equals(scope)) return [];
    const use = this.sinkRewrite(uses[0], header, chunk, names);
    if (!use || !nestedOnlyInBlocks(use.statement, statement.parent!)) return [];
    // Nothing between may touch the file object (a seek, another read, a rebinding); reading its name or size is fine.
    const root = rootName(receiver);
    const touched = names.some((n) => n.text === root && n.startIndex > statement.endIndex && n.startIndex < use.statement.startIndex && !isMetadataRead(n));
    if (!root || touched) return [];
    return [{ title: use.title, safety: 'unsafe', edits: [deleteLines(this.ctx.file.text, statement), use.edit] }];
  }

  /**
   * Rewrites the statement whose sink consumes `slot` (the read, or the one use of a variable holding it) into a
   * chunk loop. Only plain statements on their own lines: `x = hashlib.<alg>(slot)[.hexdigest()]`,
   * `return hashlib...`, `hasher.update(slot)`, `[await] out.write(slot)`.
   */
  private sinkRewrite(slot: Node, header: string, chunk: string, names: Node[]): { statement: Node; edit: { start: number; end: number; newText: string }; kind: 'hash' | 'write'; title: string } | undefined {
    const call = argumentOwner(slot);
    if (!call) return undefined;
    const fn = call.childForFieldName('function')!;
    const text = this.ctx.file.text;
    const args = call.childForFieldName('arguments')!.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment');
    const qualified = this.imports.resolve(fn);

    const finish = (statement: Node | null | undefined, lines: string[], kind: 'hash' | 'write', title: string) => {
      if (!statement || !standsAlone(text, statement)) return undefined;
      const indent = indentOf(text, statement.startIndex);
      const unit = indentUnit(text, statement, indent);
      const newText = lines.map((l) => l.replace(/^\t/, unit)).join(`\n${indent}`);
      return { statement, edit: { start: statement.startIndex, end: statement.endIndex, newText }, kind, title };
    };

    if (qualified?.startsWith('hashlib.') && qualified !== 'hashlib.file_digest') {
      const dataIndex = qualified === 'hashlib.new' ? 1 : 0;
      if (!positionalArguments(call)[dataIndex]?.equals(slot) || args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return undefined;
      const ctor = `${fn.text}(${args.filter((a) => !a.equals(slot)).map((a) => a.text).join(', ')})`;
      let expr = call;
      let digest: string | undefined;
      const attr = call.parent;
      if (attr?.type === 'attribute' && attr.childForFieldName('object')?.equals(call)) {
        const outer = attr.parent;
        const method = attr.childForFieldName('attribute')?.text;
        if (outer?.type !== 'call' || (method !== 'hexdigest' && method !== 'digest') || !hasNoArguments(outer)) return undefined;
        expr = outer;
        digest = method;
      }
      const holder = expr.parent;
      const title = 'Hash the data chunk by chunk';
      if (holder?.type === 'assignment' && holder.childForFieldName('right')?.equals(expr) && !holder.childForFieldName('type')) {
        const target = holder.childForFieldName('left')!;
        if (!digest && target.type === 'identifier') {
          return finish(holder.parent, [`${target.text} = ${ctor}`, header, `\t${target.text}.update(${chunk})`], 'hash', title);
        }
        const hasher = freshName(names, ['hasher', 'file_hasher', 'digest_hasher']);
        const result = digest ? `${hasher}.${digest}()` : hasher;
        return finish(holder.parent, [`${hasher} = ${ctor}`, header, `\t${hasher}.update(${chunk})`, `${target.text} = ${result}`], 'hash', title);
      }
      if (holder?.type === 'return_statement') {
        const hasher = freshName(names, ['hasher', 'file_hasher', 'digest_hasher']);
        return finish(holder, [`${hasher} = ${ctor}`, header, `\t${hasher}.update(${chunk})`, `return ${digest ? `${hasher}.${digest}()` : hasher}`], 'hash', title);
      }
      return undefined;
    }

    if (fn.type !== 'attribute' || args.length !== 1) return undefined;
    const method = fn.childForFieldName('attribute')?.text;
    const sink = fn.childForFieldName('object');
    if (!isStableExpression(sink)) return undefined;
    if (method === 'update' && this.isHasher(sink)) {
      return finish(expressionStatementOf(call), [header, `\t${sink!.text}.update(${chunk})`], 'hash', 'Hash the data chunk by chunk');
    }
    if (method === 'write') {
      const awaited = call.parent?.type === 'await';
      const statement = expressionStatementOf(awaited ? call.parent! : call);
      return finish(statement, [header, `\t${awaited ? 'await ' : ''}${sink!.text}.write(${chunk})`], 'write', 'Copy the data chunk by chunk');
    }
    return undefined;
  }

  /** Identifiers used in a scope (not attribute or keyword names), computed once per scope. */
  private identifiersIn(scope: Node): Node[] {
    let ids = this.identifierCache.get(scope.id);
    if (!ids) this.identifierCache.set(scope.id, (ids = identifiersIn(this.ctx, scope)));
    return ids;
  }

  // --- other whole reads ------------------------------------------------------------------------------------

  private reportStreamlitCopy(call: Node, receiver: Node, method: string): void {
    const what =
      method === 'getvalue'
        ? 'Copies the whole uploaded file into a new bytes object, on top of the copy Streamlit already keeps in memory (up to server.maxUploadSize)'
        : 'Hands out the whole uploaded file, which Streamlit keeps in memory (up to server.maxUploadSize), as one buffer';
    this.ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: method === 'getvalue' ? 'streamlit-copy' : 'streamlit-buffer',
      detail: `${what}. Pass ${short(receiver)} itself to the reader (pd.read_csv(${short(receiver)}), Image.open(${short(receiver)})) or copy it to disk with shutil.copyfileobj, and keep server.maxUploadSize small.`,
    });
  }

  private checkPathRead(call: Node, receiver: Node, method: string): void {
    if (!hasNoArguments(call)) return;
    const path = this.pathExpression(receiver);
    if (!path || isSmallConfigPath(path) || shippedSmallFile(path, this.ctx.project, this.ctx.file.relPath) || this.parsedWhole(call)) return;
    const sentinel = method === 'read_bytes' ? 'b""' : '""';
    this.ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'file',
      detail: `It holds the file's full size at once, however large the file grows. Open it and read it in chunks with iter(lambda: f.read(${CHUNK_SIZE}), ${sentinel}) or iterate over its lines.`,
    });
  }

  /** The expression naming the path when `node` is a pathlib path (`Path(...)`, `base / name`, a name bound to one). */
  private pathExpression(node: Node | null | undefined, depth = 0): Node | undefined {
    if (!node || depth > 4) return undefined;
    switch (node.type) {
      case 'parenthesized_expression':
        return this.pathExpression(node.namedChildren[0], depth + 1) && node;
      case 'call': {
        const fn = node.childForFieldName('function');
        if (PATH_CLASSES.has(this.imports.resolve(fn) ?? '')) return node;
        if (fn?.type === 'attribute' && PATH_METHODS.has(fn.childForFieldName('attribute')?.text ?? '') && this.pathExpression(fn.childForFieldName('object'), depth + 1)) return node;
        return undefined;
      }
      case 'binary_operator':
        // Only paths support `/` with a string operand; `a / "x"` or `Path(..) / name` is a path join.
        if (node.childForFieldName('operator')?.text !== '/') return undefined;
        return this.pathExpression(node.childForFieldName('left'), depth + 1) !== undefined || node.childForFieldName('right')?.type === 'string' ? node : undefined;
      case 'identifier': {
        const b = this.sources.lookup(node);
        return b?.kind === 'assign' ? this.pathExpression(b.value, depth + 1) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** A download streamed into an `io.BytesIO` that is then copied out whole with `.getvalue()` / `.read()` / `.getbuffer()`. */
  private checkDownload(call: Node, bufferArg: Node | undefined, api: string): void {
    if (bufferArg?.type !== 'identifier') return;
    const binding = this.sources.lookup(bufferArg);
    const value = binding?.kind === 'assign' ? binding.value : undefined;
    if (value?.type !== 'call' || this.imports.resolve(value.childForFieldName('function')) !== 'io.BytesIO' || positionalArguments(value).length) return;
    const copy = this.identifiersIn(scopeOf(bufferArg)).find((n) => {
      if (n.text !== bufferArg.text || n.startIndex < call.endIndex) return false;
      const attr = n.parent;
      if (attr?.type !== 'attribute' || !attr.childForFieldName('object')?.equals(n)) return false;
      const copyCall = attr.parent;
      const method = attr.childForFieldName('attribute')?.text ?? '';
      return copyCall?.type === 'call' && ['getvalue', 'getbuffer', 'read'].includes(method) && readsEverything(copyCall) && this.sources.lookup(n)?.name.equals(binding!.name);
    });
    if (!copy) return;
    const copyMethod = copy.parent!.childForFieldName('attribute')!.text;
    this.ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'download-copy',
      detail: `${api} fills an in-memory io.BytesIO and ${bufferArg.text}.${copyMethod}() copies it out again: twice the object's size per request. Download into a tempfile.TemporaryFile or stream it in chunks.`,
    });
  }

  private checkBase64(call: Node): void {
    const arg = keywordArgument(call, 's') ?? positionalArguments(call)[0];
    if (!this.sources.requestField(arg)) {
      // A parameter is judged from its callers, in this module or others: the finding is not replayed from cache.
      if (arg?.type === 'identifier' && this.sources.lookup(arg)?.kind === 'param') this.lookedOutside();
      if (!this.bodyValues?.chosen(arg)) return;
    }
    if (this.imports.importsModule('flask') && this.underSmallCap('flask')) return;
    this.ctx.report({
      start: call.startIndex,
      end: call.endIndex,
      messageId: 'base64-field',
      detail: 'The encoded body stays loaded and the decoded bytes add three quarters of its size again. Accept a multipart file upload and read it in chunks.',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * `len(upload.read())` of a Django upload only wants its size, which Django already knows: `upload.size`.
 * Unsafe: the read also moved the file position to the end, and code after it could depend on that.
 */
function sizeFix(readExpr: Node, receiver: Node, source: FileSource | undefined): FixSpec | undefined {
  const lenCall = source?.kind === 'django' && isStableExpression(receiver) ? lenOf(readExpr) : undefined;
  if (!lenCall) return undefined;
  return {
    title: `Use ${short(receiver)}.size (Django knows the upload's size)`,
    safety: 'unsafe',
    edits: [{ start: lenCall.startIndex, end: lenCall.endIndex, newText: `${receiver.text}.size` }],
  };
}

/** The `len(...)` call whose only argument is `expr`. */
function lenOf(expr: Node): Node | undefined {
  const args = expr.parent;
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  const fn = call?.childForFieldName('function');
  return call?.type === 'call' && fn?.type === 'identifier' && fn.text === 'len' && args!.namedChildren.length === 1 ? call : undefined;
}

function fileResponseMessage(instead: string): { messageId: string; data: Record<string, string>; detail: string } {
  return {
    messageId: 'file-response',
    data: { instead },
    detail: `The response holds the file's full size in the worker until it is sent. ${instead} streams it in blocks (and sets Content-Length).`,
  };
}

function readMessage(source: FileSource | undefined, receiver: Node, hashing: boolean, readExpr: Node): { messageId: string; data?: Record<string, string>; detail: string } {
  // Suggested loops name the receiver only when it can be evaluated again (never `open(...)` inside a lambda).
  const r = isStableExpression(receiver) ? short(receiver) : 'f';
  const perRequest = 'It holds as many bytes as the client sends, in every request that handles one.';
  const fileCost = 'It holds the file\'s full size at once, however large the file grows.';
  const say = (messageId: string, detail: string, data?: Record<string, string>) => ({ messageId, detail, ...(data && { data }) });
  switch (source?.kind) {
    case 'django':
      if (lenOf(readExpr) && isStableExpression(receiver)) return say('upload-size', `${perRequest} Use ${r}.size, which Django already knows.`, { upload: clip(r, 30) });
      return say('django-upload', `${perRequest} Iterate over ${r}.chunks() or pass the file object itself to the code that consumes it.`);
    case 'flask':
      return say('upload', `${perRequest} Read it in chunks with iter(lambda: ${r}.read(${CHUNK_SIZE}), b"") or save it with ${r}.save(path).`);
    case 'starlette':
      return say('upload', `${perRequest} Read it in chunks with while chunk := await ${r}.read(${CHUNK_SIZE}), or pass ${r}.file to the code that consumes it.`);
    case 'streamlit':
      return say('streamlit-copy', `The upload is already in memory (up to server.maxUploadSize) and this makes a new bytes object of it. Pass ${r} itself to the code that reads it.`);
    case 'aiofiles':
      return say('file-async', `${fileCost} Read it in chunks with while chunk := await ${r}.read(${CHUNK_SIZE}).`);
    case 'open':
      return say('file', `${fileCost} Read it in chunks with iter(lambda: ${r}.read(${CHUNK_SIZE}), ${source.data === 'text' ? '""' : 'b""'}) or iterate over its lines.`);
    case 'raw':
      if (receiver.type === 'subscript' && stringValue(receiver.childForFieldName('subscript')) === 'Body') {
        return say('s3-object', `It holds the object's full size at once. Stream it with ${r}.iter_chunks() or download it to a temporary file.`);
      }
      return say(source.upload ? 'raw-upload' : 'stream', `${perRequest} Read it in chunks with iter(lambda: ${r}.read(${CHUNK_SIZE}), b"").`);
    default:
      return hashing
        ? say('hash', `It holds the stream's full size at once. Feed the hasher chunk by chunk from iter(lambda: ${r}.read(${CHUNK_SIZE}), b"").`)
        : say('stream', `It holds the stream's full size at once. Read it in chunks of ${CHUNK_SIZE} bytes.`);
  }
}

/**
 * Calls whose function is `name` or `x.name` for one of the names, located from the text (strings and comments drop
 * out); `text` starts at `offset` in the file.
 */
function callsNamed(tree: Tree, text: string, names: string[], offset = 0): Node[] {
  const calls: Node[] = [];
  const pattern = new RegExp(`\\b(?:${names.join('|')})\\s*\\(`, 'g');
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const name = tree.rootNode.descendantForIndex(offset + m.index);
    if (name?.type !== 'identifier') continue;
    const fn = name.parent?.type === 'attribute' && name.parent.childForFieldName('attribute')?.equals(name) ? name.parent : name;
    const call = fn.parent;
    if (call?.type === 'call' && call.childForFieldName('function')?.equals(fn)) calls.push(call);
  }
  return calls;
}

/** The loop that yields the same data in chunks, or undefined when no equivalent loop is known. */
function chunkLoopHeader(readExpr: Node, receiver: Node, source: FileSource | undefined, hashing: boolean, chunk: string): string | undefined {
  if (source?.kind === 'streamlit') return undefined;
  if (readExpr.type === 'await') {
    return isStableExpression(receiver) ? `while ${chunk} := await ${receiver.text}.read(${CHUNK_SIZE}):` : undefined;
  }
  if (source?.async) return undefined;
  if (source?.kind === 'django') return `for ${chunk} in ${receiver.text}.chunks():`;
  const data = source?.data ?? (hashing ? 'bytes' : undefined);
  if (!data || !isStableExpression(receiver)) return undefined;
  return `for ${chunk} in iter(lambda: ${receiver.text}.read(${CHUNK_SIZE}), ${data === 'bytes' ? 'b""' : '""'}):`;
}

/** A loop runs before the read inside the `with` block that holds it (rows written one by one, then read back). */
function writtenInLoop(readExpr: Node): boolean {
  let block: Node | null = readExpr.parent;
  while (block && block.type !== 'with_statement' && block.type !== 'function_definition') block = block.parent;
  if (block?.type !== 'with_statement') return false;
  return captures(block.tree, '[(for_statement) (while_statement)] @loop', block).some((c) => c.node.endIndex <= readExpr.startIndex);
}

/** `read()`, `read(-1)`, `read(None)`, `readlines()`: no size bound. */
function readsEverything(call: Node): boolean {
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment') ?? [];
  if (args.length === 0) return true;
  if (args.length !== 1) return false;
  const arg = args[0]!;
  const value = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
  return value?.type === 'none' || value?.text.replace(/\s/g, '') === '-1';
}

function hasNoArguments(call: Node): boolean {
  return (call.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment').length ?? 1) === 0;
}

/** The call whose argument list holds `slot` directly. */
function argumentOwner(slot: Node): Node | undefined {
  const args = slot.parent;
  return args?.type === 'argument_list' && args.parent?.type === 'call' ? args.parent : undefined;
}

function expressionStatementOf(expr: Node): Node | undefined {
  const parent = expr.parent;
  return parent?.type === 'expression_statement' && parent.namedChildren.length === 1 ? parent : undefined;
}

/** A simple statement alone on its lines, directly in a block: safe to replace with several lines. */
function standsAlone(text: string, statement: Node): boolean {
  if (statement.parent?.type !== 'block' && statement.parent?.type !== 'module') return false;
  const lineStart = text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  if (text.slice(lineStart, statement.startIndex).trim() !== '') return false;
  const eol = text.indexOf('\n', statement.endIndex);
  const rest = text.slice(statement.endIndex, eol === -1 ? text.length : eol).trim();
  return rest === '' || rest.startsWith('#');
}

/** Only blocks and `with` statements between a statement and an outer block: it runs exactly once when the block does. */
function nestedOnlyInBlocks(statement: Node, outerBlock: Node): boolean {
  let p = statement.parent;
  while (p && !p.equals(outerBlock)) {
    if (p.type !== 'block' && p.type !== 'with_statement') return false;
    p = p.parent;
  }
  return p !== null;
}

/** The whole lines a statement occupies, newline included. */
function deleteLines(text: string, statement: Node): { start: number; end: number; newText: string } {
  const start = text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  const eol = text.indexOf('\n', statement.endIndex);
  return { start, end: eol === -1 ? text.length : eol + 1, newText: '' };
}

/** The indentation step used inside the statement's block (4 spaces unless the enclosing lines say otherwise). */
function indentUnit(text: string, statement: Node, indent: string): string {
  const owner = statement.parent?.type === 'block' ? statement.parent.parent : undefined;
  if (owner) {
    const outer = indentOf(text, owner.startIndex);
    if (indent.startsWith(outer) && indent.length > outer.length) return indent.slice(outer.length);
  }
  return indent.includes('\t') ? '\t' : '    ';
}

function identifiersIn(ctx: RuleContext, scope: Node): Node[] {
  // Attribute and keyword names are found by a query too, not by asking each identifier for its parent: in
  // tree-sitter `.parent` costs the node's depth, so that was quadratic on a long method chain.
  // Single-node patterns: tree-sitter runs those in linear time, patterns with fields are slow on deep chains.
  const notNames = new Set<number>();
  for (const { node } of captures(ctx.python(), '[(attribute) (keyword_argument)] @n', scope)) {
    const name = node.childForFieldName(node.type === 'attribute' ? 'attribute' : 'name');
    if (name) notNames.add(name.id);
  }
  return captures(ctx.python(), '(identifier) @id', scope)
    .map((c) => c.node)
    .filter((n) => !notNames.has(n.id));
}

function freshName(names: Node[], candidates: string[]): string {
  const taken = new Set(names.map((n) => n.text));
  return candidates.find((c) => !taken.has(c)) ?? `${candidates[0]}_${taken.size}`;
}

/** `upload.name`, `upload.size`...: reads metadata, leaves the file position alone. */
function isMetadataRead(name: Node): boolean {
  const attr = name.parent;
  return attr?.type === 'attribute' && attr.childForFieldName('object')?.equals(name) === true && attr.parent?.type !== 'call' &&
    ['name', 'size', 'content_type', 'filename', 'charset', 'headers'].includes(attr.childForFieldName('attribute')?.text ?? '');
}

/** The leftmost name of `a.b["c"].d`. */
function rootName(node: Node): string | undefined {
  let n: Node | null = node;
  while (n && n.type !== 'identifier') n = n.childForFieldName('object') ?? n.childForFieldName('value') ?? (n.type === 'call' ? n.childForFieldName('function') : null);
  return n?.text;
}

function short(node: Node): string {
  return node.text.length <= 40 && !node.text.includes('\n') ? node.text : 'f';
}
