/**
 * Column-use inference for a pandas DataFrame loaded by a reader call: which columns the code that
 * receives the frame reads (`df["a"]`, `df[["a", "b"]]`, `df.a`, `df.loc[:, "a"]`, `df.groupby("a")`,
 * `df.sort_values("a")`, ...), or why it cannot tell (the frame escapes to other code, a whole-frame
 * operation, a non-literal column key). Precision matters more than recall: every column returned must
 * belong to this frame, since `usecols` naming a column the file lacks raises.
 */
import type { Node } from 'web-tree-sitter';
import { ancestor, hasSplat, keywordArgument, positionalArguments, stringValue } from './ast';
import type { ImportMap } from './imports';
import { declaresGlobal, identifiersNamed, nearestFunction, shadowedBetween } from './module-state';

export type ColumnUse =
  | { kind: 'columns'; columns: string[]; quote: string }
  | { kind: 'unknown'; reason: string };

interface Use {
  column: string;
  /** Where the use takes effect: a read at its position, a write after its statement. */
  at: number;
  write: boolean;
}

/** Methods that return the same frame (rows filtered, reordered, values changed) with every column. */
const SAME_COLUMNS = new Set([
  'head', 'tail', 'copy', 'reset_index', 'sort_index', 'sample', 'abs', 'round', 'ffill', 'bfill', 'convert_dtypes', 'infer_objects',
]);
/** DataFrame attributes that need no particular column. */
const NEUTRAL_ATTRIBUTES = new Set(['empty', 'index', 'ndim']);
/** DataFrame attributes and methods that expose every column (or whose meaning we do not model). */
const WHOLE_FRAME = new Set([
  'columns', 'dtypes', 'values', 'T', 'size', 'axes', 'style', 'attrs', 'flags', 'info', 'describe', 'iterrows', 'itertuples', 'items',
  'apply', 'applymap', 'map', 'pipe', 'transform', 'agg', 'aggregate', 'merge', 'join', 'assign', 'rename', 'query', 'eval', 'filter',
  'melt', 'stack', 'unstack', 'transpose', 'sum', 'mean', 'median', 'min', 'max', 'std', 'var', 'count', 'nunique', 'corr', 'cov',
  'isna', 'isnull', 'notna', 'notnull', 'isin', 'where', 'mask', 'replace', 'select_dtypes', 'memory_usage', 'equals', 'update',
  'insert', 'reindex', 'add_prefix', 'add_suffix', 'set_axis', 'rename_axis', 'xs', 'squeeze', 'keys', 'cumsum', 'diff', 'pct_change',
  'rolling', 'expanding', 'ewm', 'resample', 'shift', 'any', 'all', 'clip', 'interpolate', 'truncate', 'combine', 'combine_first',
  'compare', 'align', 'dot', 'mode', 'quantile', 'rank', 'prod', 'product', 'sem', 'skew', 'kurt', 'idxmax', 'idxmin', 'hist', 'boxplot',
]);
/** plotly.express arguments that name columns, and ones that do not. */
const PX_COLUMN_ARGS = new Set([
  'x', 'y', 'z', 'color', 'size', 'symbol', 'text', 'hover_name', 'hover_data', 'custom_data', 'facet_row', 'facet_col', 'line_group',
  'names', 'values', 'path', 'animation_frame', 'animation_group', 'error_x', 'error_y', 'parents', 'ids', 'line_dash', 'pattern_shape',
]);
const PX_OTHER_ARGS = new Set([
  'title', 'template', 'labels', 'width', 'height', 'orientation', 'barmode', 'color_discrete_sequence', 'color_discrete_map',
  'color_continuous_scale', 'range_x', 'range_y', 'log_x', 'log_y', 'markers', 'nbins', 'histfunc', 'hole', 'opacity', 'text_auto',
  'category_orders', 'trendline', 'render_mode', 'line_shape', 'facet_col_wrap', 'size_max', 'marginal', 'histnorm', 'cumulative',
]);
const STREAMLIT_CHARTS = new Set(['line_chart', 'bar_chart', 'area_chart', 'scatter_chart']);

/** Thrown to stop the inference; not an Error, so no stack trace is captured (it is thrown often). */
class Failure {
  constructor(readonly message: string) {}
}

/**
 * The columns the code reads from the frame a reader call produces, in order of first use.
 * `unknown` when some use may need columns it cannot name.
 */
export function inferColumnUse(reader: Node, imports: ImportMap): ColumnUse {
  const inference = new Inference(imports);
  try {
    inference.frame(reader);
    inference.drain();
  } catch (e) {
    if (e instanceof Failure) return { kind: 'unknown', reason: e.message };
    throw e;
  }
  return inference.result();
}

class Inference {
  private readonly uses: Use[] = [];
  private readonly tracked = new Set<string>();
  private readonly pending: Array<() => void> = [];
  private quote?: string;

  constructor(private readonly imports: ImportMap) {}

  result(): ColumnUse {
    const writes = this.uses.filter((u) => u.write);
    const columns: string[] = [];
    for (const u of [...this.uses].sort((a, b) => a.at - b.at)) {
      if (u.write || columns.includes(u.column)) continue;
      // A column the code creates before reading it is not in the file.
      if (writes.some((w) => w.column === u.column && w.at <= u.at)) continue;
      columns.push(u.column);
    }
    return { kind: 'columns', columns, quote: this.quote ?? '"' };
  }

  drain(): void {
    while (this.pending.length) this.pending.shift()!();
  }

  private fail(reason: string): never {
    throw new Failure(reason);
  }

  // -- the frame and what is done to it -------------------------------------------------------

  /** `e` evaluates to the loaded frame (possibly with fewer rows): classify what its parent does with it. */
  frame(e: Node): void {
    const p = e.parent;
    if (!p) this.fail('unused');
    switch (p.type) {
      case 'parenthesized_expression':
        return this.frame(p);
      case 'subscript':
        if (p.childForFieldName('value')?.id !== e.id) this.fail('the frame is used as a key');
        return this.subscript(p);
      case 'attribute':
        return this.attribute(p);
      case 'argument_list':
        return this.argument(p, e);
      case 'keyword_argument':
        return this.keywordArgumentUse(p);
      case 'assignment':
        if (p.childForFieldName('right')?.id !== e.id) this.fail('assigned in an unusual position');
        return this.assignedTo(p.childForFieldName('left'), p);
      case 'comparison_operator': {
        const ops = p.children.filter((c) => c && !c.isNamed).map((c) => c!.text);
        if (ops.length > 0 && ops.every((op) => op === 'is' || op === 'is not' || op === 'not')) return;
        return this.fail('compared as a whole');
      }
      case 'expression_statement':
      case 'delete_statement':
        return;
      case 'return_statement':
        return this.fail('returned to the caller');
      default:
        return this.fail(`used as a whole (${p.type})`);
    }
  }

  private subscript(s: Node): void {
    const keys = s.childrenForFieldName('subscript');
    if (keys.length !== 1) this.fail('indexed with a tuple');
    const key = keys[0];
    const cols = this.columnList(key);
    if (cols) return this.record(cols, s);
    if (key.type === 'slice' || this.isMask(key)) {
      if (this.writeKind(s) !== 'read') return; // df[mask] = value
      return this.frame(s);
    }
    this.fail(`indexed with a non-literal key (${key.text})`);
  }

  private attribute(a: Node): void {
    const name = a.childForFieldName('attribute')?.text ?? '';
    const parent = a.parent;
    const call = parent?.type === 'call' && parent.childForFieldName('function')?.id === a.id ? parent : undefined;
    if (name === 'loc' || name === 'at' || name === 'iloc' || name === 'iat') return this.indexer(a, name);
    if (NEUTRAL_ATTRIBUTES.has(name)) return;
    if (name === 'shape') {
      const key = parent?.type === 'subscript' ? parent.childrenForFieldName('subscript') : [];
      if (key.length === 1 && key[0].text === '0') return;
      this.fail('df.shape includes the column count');
    }
    if (call) return this.method(name, call);
    if (WHOLE_FRAME.has(name) || name.startsWith('_') || METHOD_NAMES.has(name)) this.fail(`df.${name} needs every column`);
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === a.id) this.fail('sets an attribute on the frame');
    if (name.startsWith('to_')) this.fail(`df.${name} writes every column`);
    this.record([name], a);
  }

  private indexer(a: Node, name: string): void {
    const s = a.parent;
    if (s?.type !== 'subscript' || s.childForFieldName('value')?.id !== a.id) this.fail(`df.${name} used without []`);
    const keys = s.childrenForFieldName('subscript');
    if (name === 'iat' || (name === 'iloc' && !(keys.length === 1 && keys[0].type === 'slice'))) this.fail('positional column access');
    if (keys.length === 1) {
      if (name === 'at') this.fail('df.at needs a row and a column');
      if (keys[0].type === 'slice' || this.isMask(keys[0])) return this.writeKind(s) !== 'read' ? undefined : this.frame(s);
      this.fail('df.loc[label] returns a whole row');
    }
    if (keys.length !== 2) this.fail('multi-axis indexing');
    const cols = this.columnList(keys[1]);
    if (cols) return this.record(cols, s);
    if (name === 'loc' && keys[1].type === 'slice' && keys[1].namedChildren.length === 0) {
      return this.writeKind(s) !== 'read' ? undefined : this.frame(s);
    }
    this.fail(`df.${name}[..., ${keys[1].text}] with a non-literal column`);
  }

  private method(name: string, call: Node): void {
    if (hasSplat(call)) this.fail(`df.${name}(**kwargs)`);
    const args = positionalArguments(call);
    const kw = (n: string) => keywordArgument(call, n);
    const need = (node: Node | undefined, what: string): string[] => {
      const cols = node ? this.columnList(node) : undefined;
      if (!cols) this.fail(`df.${name}() without a literal ${what}`);
      return cols;
    };
    if (SAME_COLUMNS.has(name)) return this.frame(call);
    switch (name) {
      case 'sort_values':
        this.record(need(kw('by') ?? args[0], 'by'), call);
        return this.frame(call);
      case 'set_index':
        this.record(need(kw('keys') ?? args[0], 'key'), call);
        return this.frame(call);
      case 'nlargest':
      case 'nsmallest':
        this.record(need(kw('columns') ?? args[1], 'columns'), call);
        return this.frame(call);
      case 'explode':
        this.record(need(kw('column') ?? args[0], 'column'), call);
        return this.frame(call);
      case 'dropna':
        if (kw('axis') || args.length) this.fail('df.dropna() over columns');
        this.record(need(kw('subset'), 'subset (without one it looks at every column)'), call);
        return this.frame(call);
      case 'drop_duplicates':
        this.record(need(kw('subset') ?? args[0], 'subset (without one it compares every column)'), call);
        return this.frame(call);
      case 'fillna':
      case 'astype': {
        const value = kw(name === 'fillna' ? 'value' : 'dtype') ?? args[0];
        if (value?.type === 'dictionary') this.record(this.dictKeys(value), call);
        return this.frame(call);
      }
      case 'drop': {
        const columns = kw('columns');
        const axis = kw('axis');
        if (columns) this.record(need(columns, 'columns'), call);
        else if (axis && (axis.text === '1' || stringValue(axis) === 'columns')) this.record(need(kw('labels') ?? args[0], 'labels'), call);
        else if (!(kw('index') || kw('labels') || args[0])) this.fail('df.drop() without labels');
        return this.frame(call);
      }
      case 'groupby':
        return this.groupBy(call, kw('by') ?? args[0], kw('level'));
      case 'pivot_table':
      case 'pivot': {
        this.record(need(kw('values'), 'values'), call);
        for (const axis of ['index', 'columns']) if (kw(axis)) this.record(need(kw(axis), axis), call);
        return;
      }
      case 'get':
      case 'pop':
        this.record(need(args[0] ?? kw('key') ?? kw('item'), 'column'), call);
        return;
      case 'duplicated':
      case 'value_counts':
        this.record(need(kw('subset') ?? args[0], 'subset'), call);
        return;
      case 'plot':
        this.record(need(kw('x'), 'x'), call);
        this.record(need(kw('y'), 'y'), call);
        return;
      default:
        this.fail(name.startsWith('to_') ? `df.${name}() writes every column` : `df.${name}() may need every column`);
    }
  }

  private groupBy(call: Node, by: Node | undefined, level: Node | undefined): void {
    if (by) {
      const cols = this.columnList(by);
      if (cols) this.record(cols, call);
      else if (this.isGrouper(by)) this.record([stringValue(keywordArgument(by, 'key'))!], call);
      else if (!this.mentionsTracked(by)) this.fail('grouped by a non-literal key');
      // grouping by a Series of this frame (`df["day"].dt.month`): its own reference is classified separately
    } else if (!level) {
      this.fail('df.groupby() without keys');
    }
    this.grouped(call);
  }

  /** `g` evaluates to a GroupBy over the frame. */
  private grouped(g: Node): void {
    const p = g.parent;
    if (p?.type === 'parenthesized_expression') return this.grouped(p);
    if (p?.type === 'subscript' && p.childForFieldName('value')?.id === g.id) {
      const keys = p.childrenForFieldName('subscript');
      const cols = keys.length === 1 ? this.columnList(keys[0]) : undefined;
      if (!cols) this.fail('a grouped frame indexed with a non-literal key');
      return this.record(cols, p);
    }
    if (p?.type !== 'attribute') this.fail('the grouped frame is used as a whole');
    const name = p.childForFieldName('attribute')?.text ?? '';
    if (['size', 'ngroups', 'groups', 'indices', 'ngroup'].includes(name)) return;
    const call = p.parent?.type === 'call' ? p.parent : undefined;
    if ((name === 'agg' || name === 'aggregate') && call && !hasSplat(call)) {
      const args = positionalArguments(call);
      if (args.length === 1 && args[0].type === 'dictionary') return this.record(this.dictKeys(args[0]), call);
      if (args.length === 0) {
        const named = call.childForFieldName('arguments')!.namedChildren.filter((a) => a?.type === 'keyword_argument');
        const cols = named.map((a) => this.namedAggColumn(a!.childForFieldName('value')));
        if (named.length > 0 && cols.every((c) => c !== undefined)) return this.record(cols as string[], call);
      }
    }
    this.fail(`groupby().${name} may use every column`);
  }

  private argument(list: Node, e: Node): void {
    const call = list.parent;
    const callee = call?.type === 'call' ? call.childForFieldName('function') : undefined;
    if (!call || !callee) this.fail('passed to a call');
    const q = this.imports.resolve(callee);
    if (callee.type === 'identifier' && !q && ['len', 'isinstance', 'id', 'type'].includes(callee.text)) return;
    const first = positionalArguments(call)[0];
    if (q?.startsWith('plotly.express.') && first?.id === e.id) return this.plotlyExpress(call);
    if (q && STREAMLIT_CHARTS.has(q.replace(/^streamlit\./, '')) && q.startsWith('streamlit.') && first?.id === e.id) return this.streamlitChart(call);
    this.fail(`passed to ${callee.text}()`);
  }

  private keywordArgumentUse(kwarg: Node): void {
    const call = kwarg.parent?.parent;
    const q = call?.type === 'call' ? this.imports.resolve(call.childForFieldName('function')) : undefined;
    if (q?.startsWith('plotly.express.') && kwarg.childForFieldName('name')?.text === 'data_frame') return this.plotlyExpress(call!);
    this.fail('passed to a call');
  }

  private plotlyExpress(call: Node): void {
    if (hasSplat(call)) this.fail('passed to plotly with **kwargs');
    let named = 0;
    for (const arg of call.childForFieldName('arguments')!.namedChildren) {
      if (arg?.type !== 'keyword_argument') continue;
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value')!;
      if (name === 'data_frame' || PX_OTHER_ARGS.has(name) || value.type === 'none' || value.type === 'false') continue;
      if (!PX_COLUMN_ARGS.has(name)) this.fail(`plotly argument ${name}`);
      const cols = value.type === 'dictionary' ? this.dictKeys(value) : this.columnList(value);
      if (!cols) this.fail(`plotly ${name}= is not a literal column`);
      this.record(cols, arg);
      named++;
    }
    if (named === 0) this.fail('plotted without naming columns');
  }

  private streamlitChart(call: Node): void {
    const x = keywordArgument(call, 'x');
    const y = keywordArgument(call, 'y');
    const xs = x && this.columnList(x);
    const ys = y && this.columnList(y);
    if (!xs || !ys) this.fail('charted without x and y');
    this.record([...xs, ...ys], call);
    for (const extra of ['color', 'size']) {
      // A string is a column name, unless it is a hex colour ("#ff4b4b").
      const v = keywordArgument(call, extra);
      if (v?.type === 'string' && !(stringValue(v) ?? '').startsWith('#')) this.record(this.columnList(v) ?? this.fail(`chart ${extra}=`), call);
    }
  }

  // -- where the frame is stored --------------------------------------------------------------

  /** Assignments whose value is the frame itself (`df = df[mask]`, `top = df.sort_values("a")`). */
  private readonly frameAssignments = new Set<number>();

  private assignedTo(left: Node | null, assignment: Node): void {
    this.frameAssignments.add(assignment.id);
    if (left?.type === 'identifier') return this.trackName(left, assignment);
    if (left?.type === 'attribute' && left.childForFieldName('object')?.type === 'identifier') return this.trackSelfAttribute(left, assignment);
    this.fail(`stored in ${left?.text ?? 'a target'}`);
  }

  /** Follows a variable through its scope: every later reference is classified as a use of the frame. */
  private trackName(target: Node, assignment: Node): void {
    const name = target.text;
    const fn = ancestor(assignment, 'function_definition');
    const cls = ancestor(assignment, 'class_definition');
    if (cls && (!fn || cls.startIndex > fn.startIndex)) this.fail('stored as a class attribute');
    if (fn && declaresGlobal(fn, name)) this.fail('stored in a global');
    const scope = fn ?? assignment.tree.rootNode;
    const key = `${scope.id}:${name}`;
    if (this.tracked.has(key)) return;
    this.tracked.add(key);
    if (!fn && !this.isScriptModule(assignment.tree.rootNode, name)) this.fail('a module-level frame other modules can import');
    this.pending.push(() => this.followReferences(scope, name, assignment, !fn));
  }

  private followReferences(scope: Node, name: string, binding: Node, moduleScope: boolean): void {
    const loop = ancestor(binding, 'for_statement', 'while_statement');
    const from = loop && loop.startIndex >= scope.startIndex ? loop.startIndex : binding.endIndex;
    const bindingStatement = binding.parent;
    let until = Infinity;
    const refs: Node[] = [];
    const derived: Node[] = [];
    const bindingTarget = binding.childForFieldName('left')?.id;
    const inner = new Set<number>();
    for (const ref of identifiersNamed(scope.tree, new Set([name]), scope)) {
      if (ref.id === bindingTarget || !isReference(ref)) continue;
      // References in functions nested in the scope may run at any time, before or after the binding.
      const nearest = nearestFunction(ref);
      const inOtherFunction = moduleScope ? nearest !== undefined : nearest?.id !== scope.id;
      if (inOtherFunction && shadowedBetween(ref, name, moduleScope ? undefined : scope)) continue;
      if (inOtherFunction) inner.add(ref.id);
      else if (ref.startIndex < from) continue;
      const rebinding = bindingOf(ref);
      if (rebinding) {
        if (rebinding.type === 'augmented_assignment') this.fail(`${name} is updated as a whole`);
        if (this.derives(rebinding, name)) {
          derived.push(rebinding); // df = df[df.x > 0]: the same frame, fewer rows (checked below)
          continue;
        }
        if (inOtherFunction || rebinding.parent?.parent?.id !== bindingStatement?.parent?.id) this.fail(`${name} is rebound elsewhere`);
        until = Math.min(until, ref.startIndex);
        continue;
      }
      refs.push(ref);
    }
    for (const ref of refs) {
      const inOtherFunction = inner.has(ref.id);
      if (inOtherFunction && until !== Infinity) this.fail(`${name} is rebound while functions read it`);
      if (!inOtherFunction && ref.startIndex >= until) continue;
      this.frame(ref);
    }
    // `df = df["a"]` rebinds the name to a Series: later `df.x` would not be a column.
    for (const d of derived) if (!this.frameAssignments.has(d.id)) this.fail(`${name} is rebound to something other than the frame`);
  }

  /** `self._df = pd.read_csv(...)`: every `self._df` in the class is a use. Public attributes can be read from anywhere. */
  private trackSelfAttribute(target: Node, assignment: Node): void {
    const attr = target.childForFieldName('attribute')?.text ?? '';
    const receiver = target.childForFieldName('object')!.text;
    const method = ancestor(assignment, 'function_definition');
    const cls = method && ancestor(method, 'class_definition');
    const first = method?.childForFieldName('parameters')?.namedChildren[0];
    if (!cls || first?.text !== receiver) this.fail(`stored on ${target.text}`);
    if (!attr.startsWith('_')) this.fail(`stored on a public attribute ${target.text} other code can read`);
    const key = `${cls.id}:self.${attr}`;
    if (this.tracked.has(key)) return;
    this.tracked.add(key);
    this.pending.push(() => {
      for (const ref of cls.descendantsOfType('attribute')) {
        if (!ref || ref.id === target.id || ref.childForFieldName('attribute')?.text !== attr) continue;
        const object = ref.childForFieldName('object');
        if (object?.type !== 'identifier') continue;
        const owner = ancestor(ref, 'function_definition');
        const ownerFirst = owner?.childForFieldName('parameters')?.namedChildren[0];
        if (object.text !== ownerFirst?.text) continue;
        const parent = ref.parent;
        if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === ref.id) {
          if (this.derives(parent, ref.text)) continue;
          this.fail(`${ref.text} is assigned elsewhere`);
        }
        this.frame(ref);
      }
    });
  }

  /**
   * Module-level frames: only in scripts and Streamlit apps (nothing imports them), or private names.
   */
  private isScriptModule(root: Node, name: string): boolean {
    if (name.startsWith('_') || this.imports.importsModule('streamlit')) return true;
    return root.namedChildren.some((s) => s?.type === 'if_statement' && /__name__\s*==\s*['"]__main__['"]/.test(s.childForFieldName('condition')?.text ?? ''));
  }

  /** True when `x = <expr>` builds the new value of `x` from the frame itself. */
  private derives(binding: Node, name: string): boolean {
    const right = binding.type === 'assignment' ? binding.childForFieldName('right') : undefined;
    if (!right) return false;
    if (right.text === name) return true;
    return right.descendantsOfType(name.includes('.') ? 'attribute' : 'identifier').some((n) => n?.text === name);
  }

  // -- literals -------------------------------------------------------------------------------

  /** `"a"` -> ["a"], `["a", "b"]` -> ["a", "b"], else undefined. */
  private columnList(node: Node): string[] | undefined {
    if (node.type === 'string') {
      const s = stringValue(node);
      if (s === undefined) return undefined;
      this.quote ??= quoteOf(node);
      return [s];
    }
    if (node.type === 'list' || node.type === 'tuple') {
      const items = node.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      const values = items.map((c) => (c.type === 'string' ? stringValue(c) : undefined));
      if (items.length === 0 || values.some((v) => v === undefined)) return undefined;
      this.quote ??= quoteOf(items[0]);
      return values as string[];
    }
    return undefined;
  }

  private dictKeys(dict: Node): string[] {
    const keys: string[] = [];
    for (const pair of dict.namedChildren) {
      if (pair?.type !== 'pair') this.fail('a dict with ** or comprehension');
      const key = stringValue(pair.childForFieldName('key'));
      if (key === undefined) this.fail('a dict with a non-literal key');
      keys.push(key);
    }
    return keys;
  }

  private namedAggColumn(value: Node | null): string | undefined {
    if (value?.type === 'tuple') return stringValue(value.namedChildren[0]);
    if (value?.type === 'call' && /NamedAgg$/.test(value.childForFieldName('function')?.text ?? '')) {
      return stringValue(keywordArgument(value, 'column') ?? positionalArguments(value)[0]);
    }
    return undefined;
  }

  private isGrouper(node: Node): boolean {
    return node.type === 'call' && this.imports.resolve(node.childForFieldName('function')) === 'pandas.Grouper' && stringValue(keywordArgument(node, 'key')) !== undefined;
  }

  /** A boolean row mask: comparisons, `&`/`|`/`~` of them, or an expression over this frame (`df.active`). */
  private isMask(key: Node): boolean {
    switch (key.type) {
      case 'comparison_operator':
      case 'not_operator':
      case 'boolean_operator':
        return true;
      case 'parenthesized_expression':
        return !!key.namedChildren[0] && this.isMask(key.namedChildren[0]);
      case 'unary_operator':
        return key.child(0)?.text === '~';
      case 'binary_operator': {
        const op = key.childForFieldName('operator')?.text;
        return op === '&' || op === '|' || op === '^';
      }
      case 'call':
      case 'attribute':
      case 'subscript':
        return this.mentionsTracked(key);
      default:
        return false;
    }
  }

  /** True when the expression reads this frame (through a variable we follow). */
  private mentionsTracked(node: Node): boolean {
    const names = new Set([...this.tracked].map((k) => k.slice(k.indexOf(':') + 1)));
    const root = node.descendantsOfType(['identifier', 'attribute']);
    return root.some((n) => !!n && names.has(n.text));
  }

  private writeKind(s: Node): 'read' | 'write' | 'delete' {
    const p = s.parent;
    if (p?.type === 'assignment' && p.childForFieldName('left')?.id === s.id) return 'write';
    if (p?.type === 'delete_statement') return 'delete';
    return 'read';
  }

  private record(columns: string[], node: Node): void {
    const kind = this.writeKind(node);
    const write = kind === 'write';
    const at = write ? node.parent!.endIndex : node.startIndex;
    for (const column of columns) this.uses.push({ column, at, write });
  }
}

/** Every DataFrame method name we model: used to tell `df.head` (a method) from `df.price` (a column). */
const METHOD_NAMES = new Set([
  ...SAME_COLUMNS, 'sort_values', 'set_index', 'nlargest', 'nsmallest', 'explode', 'dropna', 'drop_duplicates', 'fillna', 'astype',
  'drop', 'groupby', 'pivot_table', 'pivot', 'get', 'pop', 'duplicated', 'value_counts', 'plot', 'loc', 'iloc', 'at', 'iat', 'shape',
]);

/** True when an identifier is a variable reference (not an attribute name, keyword name, or import). */
function isReference(id: Node): boolean {
  const p = id.parent;
  if (!p) return false;
  if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return false;
  if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return false;
  if (p.type === 'dotted_name' || p.type === 'aliased_import' || p.type === 'global_statement' || p.type === 'nonlocal_statement') return false;
  if ((p.type === 'function_definition' || p.type === 'class_definition') && p.childForFieldName('name')?.id === id.id) return false;
  return true;
}

/** The assignment (or loop/with/walrus) that binds this identifier, when it is a binding target. */
function bindingOf(id: Node): Node | undefined {
  let target: Node = id;
  while (target.parent && ['pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'as_pattern_target'].includes(target.parent.type)) {
    target = target.parent;
  }
  const p = target.parent;
  if (!p) return undefined;
  if ((p.type === 'assignment' || p.type === 'augmented_assignment' || p.type === 'for_statement') && p.childForFieldName('left')?.id === target.id) return p;
  if (p.type === 'as_pattern' || (p.type === 'named_expression' && p.childForFieldName('name')?.id === id.id)) return p;
  if (['parameters', 'lambda_parameters', 'default_parameter', 'typed_parameter', 'typed_default_parameter'].includes(p.type)) return p;
  return undefined;
}

function quoteOf(str: Node): string {
  const start = str.child(0)?.text ?? '"';
  return start.endsWith("'") ? "'" : '"';
}
