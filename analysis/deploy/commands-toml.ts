/**
 * Start commands and environment in TOML deploy files, with keys resolved through tables, dotted keys and
 * inline tables:
 * - fly.toml: `[processes]` (`web = "gunicorn ..."`), `[experimental] cmd` (list or string), `[env]`;
 *   Fly runs these without a shell;
 * - railway.toml: `[deploy] startCommand` (a shell runs it, except for Dockerfile builds).
 */
import type { AST } from 'toml-eslint-parser';
import { arrayElementWord, commandsFromLine, commandsFromWords, flowArrayInsert, type CommandForm, type EnvSetting, type StartCommand } from './commands-build';
import type { Word } from './commands-shell';
import { MappedText, tomlStringText } from './commands-text';

interface KeyValue {
  path: string[];
  value: AST.TOMLContentNode;
  keyRange: [number, number];
}

/** Every key-value with its full key path. */
function keyValues(program: AST.TOMLProgram): KeyValue[] {
  const out: KeyValue[] = [];
  const keyNames = (key: AST.TOMLKey) => key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : String(k.value)));
  const visit = (base: string[], body: AST.TOMLKeyValue[]) => {
    for (const kv of body) {
      const path = [...base, ...keyNames(kv.key)];
      out.push({ path, value: kv.value, keyRange: kv.key.range });
      if (kv.value.type === 'TOMLInlineTable') visit(path, kv.value.body);
    }
  };
  for (const top of program.body) {
    for (const item of top.body) {
      if (item.type === 'TOMLKeyValue') visit([], [item]);
      else visit(item.resolvedKey.map(String), item.body);
    }
  }
  return out;
}

function stringText(text: string, node: AST.TOMLContentNode): MappedText | undefined {
  if (node.type !== 'TOMLValue') return undefined;
  if (node.kind === 'string') return tomlStringText(text, node);
  if (node.kind === 'integer' || node.kind === 'float' || node.kind === 'boolean') return MappedText.of(text, node.range[0], node.range[1]);
  return undefined;
}

function arrayWords(text: string, node: AST.TOMLArray): Word[] | undefined {
  const words: Word[] = [];
  for (const element of node.elements) {
    const value = element.type === 'TOMLValue' && element.kind === 'string' ? tomlStringText(text, element) : undefined;
    if (!value) return undefined;
    words.push(arrayElementWord(value, element.range[0], element.range[1], flowArrayInsert(element.range[1])));
  }
  return words;
}

export interface TomlDeploy {
  commands: StartCommand[];
  env: EnvSetting[];
}

export function flyDeploy(text: string, program: AST.TOMLProgram): TomlDeploy {
  const result: TomlDeploy = { commands: [], env: [] };
  for (const { path, value, keyRange } of keyValues(program)) {
    if (path.length === 2 && path[0] === 'processes') {
      const line = stringText(text, value);
      if (line) result.commands.push(...commandsFromLine(line, 'exec', 'fly', path[1]));
    } else if (path.length === 2 && path[0] === 'experimental' && (path[1] === 'cmd' || path[1] === 'entrypoint')) {
      if (value.type === 'TOMLArray') {
        const words = arrayWords(text, value);
        if (words) result.commands.push(...commandsFromWords(words, 'exec', 'fly'));
      } else {
        const line = stringText(text, value);
        if (line) result.commands.push(...commandsFromLine(line, 'exec', 'fly'));
      }
    } else if (path.length === 2 && path[0] === 'env') {
      const v = stringText(text, value);
      // keyRange covers the whole dotted key; the name is its last part.
      if (v) result.env.push({ source: 'fly', name: path[1], nameStart: keyRange[1] - path[1].length, nameEnd: keyRange[1], value: v });
    }
  }
  return result;
}

/** `[deploy] startCommand`; `dockerBuild` says whether the service is built from a Dockerfile (no shell then). */
export function railwayTomlCommands(text: string, program: AST.TOMLProgram, dockerfileNextToIt: boolean): StartCommand[] {
  const kvs = keyValues(program);
  const builder = kvs.find((kv) => kv.path.join('.') === 'build.builder');
  const dockerfilePath = kvs.some((kv) => kv.path.join('.') === 'build.dockerfilePath');
  const builderName = builder?.value.type === 'TOMLValue' ? String(builder.value.value) : undefined;
  const form = railwayForm(builderName, dockerfilePath, dockerfileNextToIt);
  const out: StartCommand[] = [];
  for (const { path, value } of kvs) {
    if (path.join('.') !== 'deploy.startCommand') continue;
    const line = stringText(text, value);
    if (line) out.push(...commandsFromLine(line, form, 'railway', 'web'));
  }
  return out;
}

/** Railway runs a start command through a shell, except for Dockerfile builds (where it replaces the exec-form CMD). */
export function railwayForm(builder: string | undefined, dockerfilePath: boolean, dockerfileNextToIt: boolean): CommandForm {
  if (builder) return /docker/i.test(builder) ? 'exec' : 'shell';
  return dockerfilePath || dockerfileNextToIt ? 'exec' : 'shell';
}
