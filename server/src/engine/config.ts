/**
 * Workspace configuration: `memlint.toml`, `[tool.memlint]` in pyproject.toml, or a `"memlint"` key in
 * package.json at the root (first found wins). Every mistake becomes a ConfigError naming file, key and line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTOML, getStaticTOMLValue, type AST as TomlAST } from 'toml-eslint-parser';
import { parseTree, findNodeAtLocation, getNodeValue, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { OptionValue, Rule, Severity } from '../../../rules/api';
import { readRegularFile } from './safe-read';
import { LineIndex } from './text';

export type SeveritySetting = Severity | 'off';

export interface RuleSetting {
  severity?: SeveritySetting;
  options: Record<string, OptionValue>;
}

export interface MemlintConfig {
  /** Absolute path of the file the settings came from, if any. */
  source?: string;
  memoryLimitMb?: number;
  include: string[];
  exclude: string[];
  maxFileSizeMb: number;
  /** Also check code no deploy runs (tests, migrations, scripts, management commands, docs); analysis/reach.ts. */
  checkOfflineCode?: boolean;
  rules: Map<string, RuleSetting>;
  /** Models/tables the team knows stay small: findings about their rows are not reported (small-tables.ts). */
  smallTables: string[];
  /** Problems with root files that hold no memlint settings (a broken unrelated package.json): reported, not fatal. */
  notes: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `\`${key}\`: ` : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

export function defaultConfig(): MemlintConfig {
  return { include: [], exclude: [], maxFileSizeMb: 2, rules: new Map(), smallTables: [], notes: [] };
}

const SEVERITIES: readonly SeveritySetting[] = ['off', 'error', 'warning', 'info', 'hint'];
const TOP_LEVEL_KEYS = ['memoryLimitMb', 'include', 'exclude', 'maxFileSizeMb', 'checkOfflineCode', 'smallTables', 'rules'];

/** A parsed settings object plus a way to find the line of any key path in its file. */
interface RawSource {
  file: string;
  value: Record<string, unknown>;
  /** Key path prefix inside the file (e.g. ['tool', 'memlint']). */
  prefix: string[];
  lineOf(keyPath: string[]): number | undefined;
}

/** Finds and loads the root config. `explicitFile` (from --config or a setting) must exist. */
export function loadConfig(root: string, rules: readonly Rule[], explicitFile?: string): MemlintConfig {
  const notes: string[] = [];
  const source = explicitFile ? readExplicit(path.resolve(root, explicitFile)) : discover(root, notes);
  const config = source ? validate(source, rules) : defaultConfig();
  config.notes.push(...notes);
  return config;
}

/** The config files whose edits change results, for watchers. */
export const CONFIG_FILE_NAMES = ['memlint.toml', 'pyproject.toml', 'package.json'];

function discover(root: string, notes: string[]): RawSource | undefined {
  const toml = path.join(root, 'memlint.toml');
  if (fs.existsSync(toml)) return readToml(toml, []);
  const pyproject = path.join(root, 'pyproject.toml');
  if (fs.existsSync(pyproject)) {
    const source = unlessUnrelated(() => readToml(pyproject, ['tool', 'memlint'], true), pyproject, /^\s*\[\s*tool\s*\.\s*(memlint|["']memlint["'])|^\s*tool\s*\.\s*memlint/m, notes);
    if (source) return source;
  }
  const pkg = path.join(root, 'package.json');
  if (fs.existsSync(pkg)) return unlessUnrelated(() => readJson(pkg, ['memlint'], true), pkg, /"memlint"\s*:/, notes);
  return undefined;
}

/**
 * Reads a pyproject.toml or package.json that may hold memlint settings. When it does not parse and shows no sign
 * of them (a typo in a project's own manifest), that is the project's business: a note, and memlint's defaults.
 */
function unlessUnrelated(read: () => RawSource | undefined, file: string, mentionsMemlint: RegExp, notes: string[]): RawSource | undefined {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof ConfigError) || !/^invalid (TOML|JSON)/.test(e.detail)) throw e;
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // unreadable: treated as unrelated
    }
    if (mentionsMemlint.test(text)) throw e;
    notes.push(`${e.message}; it has no memlint settings, so memlint's defaults apply`);
    return undefined;
  }
}

function readExplicit(file: string): RawSource {
  if (!fs.existsSync(file)) throw new ConfigError(file, '', undefined, 'config file not found');
  const name = path.basename(file);
  if (name === 'pyproject.toml') {
    const s = readToml(file, ['tool', 'memlint'], true);
    if (!s) throw new ConfigError(file, 'tool.memlint', undefined, 'no [tool.memlint] table in this file');
    return s;
  }
  if (name === 'package.json') {
    const s = readJson(file, ['memlint'], true);
    if (!s) throw new ConfigError(file, 'memlint', undefined, 'no "memlint" key in this file');
    return s;
  }
  if (name.endsWith('.json')) return readJson(file, [], false)!;
  return readToml(file, [], false)!;
}

function readText(file: string): string {
  // A config file is small: 4 MB is far above any real one and keeps a symlink to /dev/zero from being read.
  const read = readRegularFile(file, 4 * 1048576);
  if (!read.ok) throw new ConfigError(file, '', undefined, `cannot read: ${read.message.replace(/^skipped: /, '')}`);
  return read.bytes.toString('utf8');
}

function readToml(file: string, prefix: string[], optional = false): RawSource | undefined {
  const text = readText(file);
  let ast: TomlAST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (e) {
    const err = e as { lineNumber?: number; message: string };
    throw new ConfigError(file, '', err.lineNumber, `invalid TOML: ${err.message}`);
  }
  // Keys the object model cannot hold: `[rules.__proto__]` (or `constructor.prototype`) would set properties of
  // Object.prototype for the whole process while the TOML is turned into objects. Checked on the syntax tree first:
  // an error inside memlint's settings, as the same key in JSON is; elsewhere in the file, the file is not read.
  const lines = tomlKeyLines(ast);
  for (const [joined, line] of lines) {
    const keys = joined.split('\u0000');
    if (!keys.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) continue;
    if (prefix.every((p, i) => keys[i] === p)) throw new ConfigError(file, keys.join('.'), line, 'not a valid setting or rule id');
    if (optional) return undefined;
  }
  const all = getStaticTOMLValue(ast) as Record<string, unknown>;
  let value: unknown = all;
  for (const k of prefix) value = (value as Record<string, unknown> | undefined)?.[k];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(file, prefix.join('.'), undefined, 'must be a table');
  }
  return {
    file,
    value: value as Record<string, unknown>,
    prefix,
    lineOf: (keyPath) => {
      for (let n = keyPath.length; n >= 0; n--) {
        const line = lines.get([...prefix, ...keyPath.slice(0, n)].join('\u0000'));
        if (line !== undefined) return line;
      }
      return undefined;
    },
  };
}

/** Maps every key path (joined by NUL) to the 1-based line where it is defined. */
function tomlKeyLines(ast: TomlAST.TOMLProgram): Map<string, number> {
  const lines = new Map<string, number>();
  const keyNames = (key: TomlAST.TOMLKey) => key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : String(k.value)));
  const visitPairs = (base: string[], body: TomlAST.TOMLKeyValue[]) => {
    for (const kv of body) {
      const full = [...base, ...keyNames(kv.key)];
      lines.set(full.join('\u0000'), kv.loc.start.line);
      if (kv.value.type === 'TOMLInlineTable') visitPairs(full, kv.value.body);
    }
  };
  for (const top of ast.body) {
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') visitPairs([], [item]);
      else {
        const base = keyNames(item.key);
        lines.set(base.join('\u0000'), item.loc.start.line);
        visitPairs(base, item.body);
      }
    }
  }
  return lines;
}

function readJson(file: string, prefix: string[], optional: boolean): RawSource | undefined {
  const text = readText(file);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  const index = new LineIndex(text);
  if (!root || errors.length) {
    const line = errors.length ? index.positionAt(errors[0].offset).line + 1 : undefined;
    throw new ConfigError(file, '', line, 'invalid JSON');
  }
  const node = prefix.length ? findNodeAtLocation(root, prefix) : root;
  if (!node) {
    if (optional) return undefined;
    throw new ConfigError(file, prefix.join('.'), undefined, 'missing');
  }
  const value = getNodeValue(node);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(file, prefix.join('.'), index.positionAt(node.offset).line + 1, 'must be an object');
  }
  return {
    file,
    value,
    prefix,
    lineOf: (keyPath) => {
      for (let n = keyPath.length; n >= 0; n--) {
        const found: JsonNode | undefined = findNodeAtLocation(root, [...prefix, ...keyPath.slice(0, n)]);
        if (found) return index.positionAt((found.parent?.type === 'property' ? found.parent : found).offset).line + 1;
      }
      return undefined;
    },
  };
}

function validate(source: RawSource, rules: readonly Rule[]): MemlintConfig {
  const config = defaultConfig();
  config.source = source.file;
  const fail = (keyPath: string[], detail: string): never => {
    throw new ConfigError(source.file, [...source.prefix, ...keyPath].join('.'), source.lineOf(keyPath), detail);
  };
  const v = source.value;
  for (const key of Object.keys(v)) {
    if (!TOP_LEVEL_KEYS.includes(key)) fail([key], `unknown setting; expected one of ${TOP_LEVEL_KEYS.join(', ')}`);
  }
  if (v.memoryLimitMb !== undefined) {
    if (!inRange(v.memoryLimitMb, 1, MAX_MEGABYTES)) fail(['memoryLimitMb'], `must be a number of megabytes from 1 to ${MAX_MEGABYTES} (got ${describe(v.memoryLimitMb)})`);
    config.memoryLimitMb = v.memoryLimitMb as number;
  }
  if (v.maxFileSizeMb !== undefined) {
    if (!inRange(v.maxFileSizeMb, 0.001, 1024)) fail(['maxFileSizeMb'], `must be a number of megabytes from 0.001 to 1024 (got ${describe(v.maxFileSizeMb)})`);
    config.maxFileSizeMb = v.maxFileSizeMb as number;
  }
  if (v.checkOfflineCode !== undefined) {
    if (typeof v.checkOfflineCode !== 'boolean') fail(['checkOfflineCode'], 'must be true or false');
    config.checkOfflineCode = v.checkOfflineCode as boolean;
  }
  for (const key of ['include', 'exclude'] as const) {
    const list = v[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((g) => typeof g !== 'string')) fail([key], 'must be a list of glob strings');
    config[key] = list as string[];
  }
  if (v.smallTables !== undefined) {
    const names = v.smallTables;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || !TABLE_NAME.test(n))) {
      fail(['smallTables'], 'must be a list of model or table names (letters, digits, `_`, `$`; e.g. ["Banner", "menu_item"])');
    }
    config.smallTables = names as string[];
  }
  if (v.rules !== undefined) {
    if (typeof v.rules !== 'object' || v.rules === null || Array.isArray(v.rules)) fail(['rules'], 'must be a table of rule ids');
    // Several rule files share an id (one per language): accept the union of their options.
    const known = new Map<string, Rule>();
    for (const r of rules) {
      const prev = known.get(r.meta.id);
      known.set(r.meta.id, prev ? { ...r, meta: { ...r.meta, options: { ...prev.meta.options, ...r.meta.options } } } : r);
    }
    for (const [id, setting] of Object.entries(v.rules as Record<string, unknown>)) {
      const rule = known.get(id);
      if (!rule) fail(['rules', id], `unknown rule id; known rules: ${[...known.keys()].sort().join(', ')}`);
      config.rules.set(id, validateRuleSetting(rule!, setting, (k, d) => fail(['rules', id, ...k], d)));
    }
  }
  return config;
}

/** A model or table name as code writes it: `Banner`, `menu_item`, `menuItem`. */
const TABLE_NAME = /^[A-Za-z_$][\w$]*$/;

/** 1 TB: more than any instance memlint's platforms sell. */
const MAX_MEGABYTES = 1_048_576;

/** A finite number within [min, max]: NaN, Infinity and negative values are mistakes, not settings. */
function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
}

function validateRuleSetting(rule: Rule, setting: unknown, fail: (keyPath: string[], detail: string) => never): RuleSetting {
  if (typeof setting === 'string') {
    if (!SEVERITIES.includes(setting as SeveritySetting)) fail([], `severity must be one of ${SEVERITIES.join(', ')}`);
    return { severity: setting as SeveritySetting, options: {} };
  }
  if (typeof setting === 'boolean') return { severity: setting ? undefined : 'off', options: {} };
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) {
    return fail([], 'must be a severity string or a table with `severity` and options');
  }
  const result: RuleSetting = { options: {} };
  const specs = rule.meta.options ?? {};
  for (const [key, value] of Object.entries(setting as Record<string, unknown>)) {
    if (key === 'severity') {
      if (!SEVERITIES.includes(value as SeveritySetting)) fail([key], `must be one of ${SEVERITIES.join(', ')}`);
      result.severity = value as SeveritySetting;
      continue;
    }
    if (key === 'enabled') {
      if (typeof value !== 'boolean') fail([key], 'must be true or false');
      if (value === false) result.severity = 'off';
      continue;
    }
    const spec = specs[key];
    if (!spec) {
      const names = Object.keys(specs);
      fail([key], `unknown option for ${rule.meta.id}; ${names.length ? `options: severity, ${names.join(', ')}` : 'it has no options besides severity'}`);
    }
    const ok =
      spec.type === 'string[]' ? Array.isArray(value) && value.every((x) => typeof x === 'string') : typeof value === spec.type;
    if (!ok) fail([key], `must be a ${spec.type === 'string[]' ? 'list of strings' : spec.type}`);
    if (spec.type === 'number') {
      // Counts, sizes and thresholds are whole numbers from 1; a fractional default is a share (0 < x <= 1).
      if (Number.isInteger(spec.default)) {
        if (!inRange(value, 1, 1e9) || !Number.isInteger(value)) fail([key], `must be a whole number from 1 to 1000000000 (got ${describe(value)})`);
      } else if (!inRange(value, 0.01, 1)) {
        fail([key], `must be a share from 0.01 to 1 (got ${describe(value)})`);
      }
    }
    result.options[key] = value as OptionValue;
  }
  return result;
}
