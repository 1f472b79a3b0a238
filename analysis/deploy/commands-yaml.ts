/**
 * Start commands and environment in YAML deploy files, in every document of the file, through anchors,
 * aliases and `<<` merge keys:
 * - render.yaml: `services[].startCommand` (run by a shell), `dockerCommand` (no shell), `envVars`, `envVarGroups`;
 * - docker-compose: `services.*.command` (string or list; compose runs it without a shell; else `entrypoint`), `environment`
 *   (map or `KEY=value` list);
 * - heroku.yml: `run.<process>` (a command line, or `command:` list).
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { arrayElementWord, commandsFromLine, commandsFromWords, flowArrayInsert, type CommandForm, type CommandSource, type ElementInsert, type EnvSetting, type StartCommand } from './commands-build';
import type { Word } from './commands-shell';
import { yamlScalarText, type MappedText } from './commands-text';

type YamlFile = 'render' | 'docker-compose' | 'heroku-yml';

export interface YamlDeploy {
  commands: StartCommand[];
  env: EnvSetting[];
}

export function yamlDeploy(text: string, docs: readonly Document.Parsed[], file: YamlFile): YamlDeploy {
  const result: YamlDeploy = { commands: [], env: [] };
  for (const doc of docs) {
    const reader = new Reader(text, doc, result);
    const root = reader.resolve(doc.contents);
    if (!isMap(root)) continue;
    if (file === 'render') reader.render(root);
    else if (file === 'docker-compose') reader.compose(root);
    else reader.herokuYml(root);
  }
  return result;
}

/**
 * The commands of compose services' own `entrypoint:` where the service also has a `command:` (which compose passes to
 * the entrypoint as its arguments): not start commands of the file, but what runs when that entrypoint is a script
 * that ignores its arguments (deploy-readers.ts decides).
 */
export function composeWrapperEntrypoints(text: string, docs: readonly Document.Parsed[]): StartCommand[] {
  const result: YamlDeploy = { commands: [], env: [] };
  if (!/^[ \t]*entrypoint[ \t]*:/m.test(text)) return result.commands;
  for (const doc of docs) {
    const reader = new Reader(text, doc, result);
    const root = reader.resolve(doc.contents);
    if (isMap(root)) reader.composeEntrypoints(root);
  }
  return result.commands;
}

class Reader {
  constructor(
    private readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly out: YamlDeploy,
  ) {}

  render(root: YAMLMap): void {
    const services = this.get(root, 'services');
    if (isSeq(services)) {
      for (const item of services.items) {
        const service = this.resolve(item);
        if (!isMap(service)) continue;
        const name = this.stringOf(this.get(service, 'name'));
        this.commandLine(this.get(service, 'startCommand'), 'shell', 'render', name);
        this.commandLine(this.get(service, 'dockerCommand'), 'exec', 'render', name);
        this.renderEnv(this.get(service, 'envVars'), name);
      }
    }
    const groups = this.get(root, 'envVarGroups');
    if (isSeq(groups)) {
      for (const item of groups.items) {
        const group = this.resolve(item);
        if (isMap(group)) this.renderEnv(this.get(group, 'envVars'), this.stringOf(this.get(group, 'name')));
      }
    }
  }

  private renderEnv(list: YamlNode | undefined, scope: string | undefined): void {
    if (!isSeq(list)) return;
    for (const item of list.items) {
      const entry = this.resolve(item);
      if (!isMap(entry)) continue;
      const key = this.get(entry, 'key');
      const value = this.get(entry, 'value');
      this.setting(key, value, 'render', scope);
    }
  }

  compose(root: YAMLMap): void {
    const services = this.get(root, 'services');
    if (!isMap(services)) return;
    for (const [name, node] of this.entries(services)) {
      const service = this.resolve(node);
      if (!isMap(service)) continue;
      // A service with an `entrypoint` and no `command` runs the entrypoint alone (compose drops the image's CMD then);
      // with both, the entrypoint is a wrapper the command is passed to (`exec "$@"`): the command is what runs.
      const command = this.resolve(this.get(service, 'command') ?? this.get(service, 'entrypoint'));
      if (isScalar(command)) this.commandLine(command, 'exec', 'docker-compose', name);
      else if (isSeq(command)) this.commandList(command, 'docker-compose', name);
      const environment = this.resolve(this.get(service, 'environment'));
      if (isMap(environment)) {
        for (const pair of this.pairs(environment)) this.setting(pair.key as YamlNode, pair.value as YamlNode, 'docker-compose', name);
      } else if (isSeq(environment)) {
        for (const item of environment.items) this.assignment(this.resolve(item), 'docker-compose', name);
      }
    }
  }

  composeEntrypoints(root: YAMLMap): void {
    const services = this.get(root, 'services');
    if (!isMap(services)) return;
    for (const [name, node] of this.entries(services)) {
      const service = this.resolve(node);
      if (!isMap(service) || this.get(service, 'command') === undefined) continue;
      const entrypoint = this.resolve(this.get(service, 'entrypoint'));
      if (isScalar(entrypoint)) this.commandLine(entrypoint, 'exec', 'docker-compose', name);
      else if (isSeq(entrypoint)) this.commandList(entrypoint, 'docker-compose', name);
    }
  }

  herokuYml(root: YAMLMap): void {
    const run = this.resolve(this.get(root, 'run'));
    if (!isMap(run)) return;
    for (const [name, node] of this.entries(run)) {
      const value = this.resolve(node);
      if (isScalar(value)) this.commandLine(value, 'shell', 'heroku-yml', name);
      else if (isMap(value)) {
        const command = this.resolve(this.get(value, 'command'));
        if (isSeq(command)) this.commandList(command, 'heroku-yml', name);
        else this.commandLine(command, 'shell', 'heroku-yml', name);
      }
    }
  }

  // -- building blocks

  private commandLine(node: YamlNode | undefined, form: CommandForm, source: CommandSource, name?: string): void {
    const text = this.scalarText(node);
    if (text) this.out.commands.push(...commandsFromLine(text, form, source, name));
  }

  private commandList(seq: YAMLSeq, source: CommandSource, name?: string): void {
    const words: Word[] = [];
    for (const item of seq.items) {
      const aliased = isAlias(item);
      const node = this.resolve(item as YamlNode);
      const text = this.scalarText(node);
      if (!text || !isScalar(node) || !node.range) return; // a list we cannot read exactly: skip it
      const [start, valueEnd] = node.range;
      const insert = aliased ? undefined : seq.flow ? flowArrayInsert(valueEnd) : blockSequenceInsert(this.text, start, valueEnd);
      words.push(arrayElementWord(text, start, valueEnd, insert));
    }
    this.out.commands.push(...commandsFromWords(words, 'exec', source, name));
  }

  private setting(keyNode: YamlNode | undefined, valueNode: YamlNode | undefined, source: CommandSource, scope?: string): void {
    const key = this.resolve(keyNode);
    const name = this.stringOf(key);
    const value = this.scalarText(valueNode);
    if (!name || !value || !isScalar(key) || !key.range) return;
    this.out.env.push({ source, scope, name, nameStart: key.range[0], nameEnd: key.range[1], value });
  }

  /** A `KEY=value` list item. */
  private assignment(node: YamlNode | undefined, source: CommandSource, scope?: string): void {
    const text = this.scalarText(node);
    const eq = text?.value.indexOf('=') ?? -1;
    if (!text || eq <= 0) return;
    const [nameStart, nameEnd] = text.fileRange(0, eq);
    this.out.env.push({ source, scope, name: text.value.slice(0, eq), nameStart, nameEnd, value: text.slice(eq + 1) });
  }

  resolve(node: unknown): YamlNode | undefined {
    for (let i = 0; i < 8 && isAlias(node); i++) node = node.resolve(this.doc);
    return (node ?? undefined) as YamlNode | undefined;
  }

  private scalarText(node: YamlNode | undefined): MappedText | undefined {
    const scalar = this.resolve(node);
    if (!isScalar(scalar) || scalar.value === null || scalar.value === undefined) return undefined;
    return yamlScalarText(this.text, scalar as Scalar);
  }

  private stringOf(node: YamlNode | undefined): string | undefined {
    const scalar = this.resolve(node);
    return isScalar(scalar) && (typeof scalar.value === 'string' || typeof scalar.value === 'number') ? String(scalar.value) : undefined;
  }

  /** The map's own pairs, then those merged in with `<<: *anchor` (own keys win). */
  private pairs(map: YAMLMap, depth = 0): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const pair of map.items) {
      const key = this.stringOf(pair.key as YamlNode);
      if (key === '<<' && depth < 4) {
        const value = this.resolve(pair.value);
        const sources = isSeq(value) ? value.items.map((i) => this.resolve(i)) : [value];
        for (const src of sources) if (isMap(src)) merged.push(...this.pairs(src, depth + 1));
      } else own.push(pair);
    }
    const seen = new Set(own.map((p) => this.stringOf(p.key as YamlNode)));
    return [...own, ...merged.filter((p) => !seen.has(this.stringOf(p.key as YamlNode)))];
  }

  private entries(map: YAMLMap): [string, YamlNode | undefined][] {
    const out: [string, YamlNode | undefined][] = [];
    for (const pair of this.pairs(map)) {
      const key = this.stringOf(pair.key as YamlNode);
      if (key !== undefined) out.push([key, pair.value as YamlNode | undefined]);
    }
    return out;
  }

  private get(map: YAMLMap, key: string): YamlNode | undefined {
    const pair = this.pairs(map).find((p) => this.stringOf(p.key as YamlNode) === key);
    return this.resolve(pair?.value);
  }
}

/** Inserts `- item` lines after a block-sequence item, with the item's indentation and quoting. */
function blockSequenceInsert(text: string, start: number, valueEnd: number): ElementInsert | undefined {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const prefix = text.slice(lineStart, start);
  if (!/^[ \t]*-[ \t]+$/.test(prefix)) return undefined;
  let lineEnd = text.indexOf('\n', valueEnd);
  if (lineEnd === -1) lineEnd = text.length;
  const eol = text[lineEnd - 1] === '\r' ? '\r\n' : '\n';
  if (eol === '\r\n') lineEnd--;
  const quote = text[start] === "'" ? 'single' : text[start] === '"' ? 'double' : 'plain-or-double';
  return { kind: 'block', at: lineEnd, eol, prefix, quote };
}
