/**
 * Start commands and environment in JSON deploy files:
 * - railway.json: `deploy.startCommand` (a shell runs it, except for Dockerfile builds);
 * - app.json (Heroku): `scripts.*` (shell) and `env.*` (a string, or `{ "value": ... }`);
 * - package.json: `scripts.*` (npm runs them with sh).
 */
import { findNodeAtLocation, type Node as JsonNode } from 'jsonc-parser';
import { commandsFromLine, type CommandForm, type CommandSource, type EnvSetting, type StartCommand } from './commands-build';
import { jsonStringText, MappedText } from './commands-text';
import { railwayForm } from './commands-toml';

export interface JsonDeploy {
  commands: StartCommand[];
  env: EnvSetting[];
}

function stringText(text: string, node: JsonNode | undefined): MappedText | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return jsonStringText(text, node.offset, node.length);
  if (node.type === 'number' || node.type === 'boolean') return MappedText.of(text, node.offset, node.offset + node.length);
  return undefined;
}

/** Property name/value pairs of an object node. */
function properties(node: JsonNode | undefined): [JsonNode, JsonNode][] {
  if (node?.type !== 'object') return [];
  const out: [JsonNode, JsonNode][] = [];
  for (const p of node.children ?? []) {
    const [key, value] = p.children ?? [];
    if (key?.type === 'string' && value) out.push([key, value]);
  }
  return out;
}

function scripts(text: string, root: JsonNode, source: CommandSource): StartCommand[] {
  return properties(findNodeAtLocation(root, ['scripts'])).flatMap(([key, value]) => {
    const line = stringText(text, value);
    return line ? commandsFromLine(line, 'shell', source, String(key.value)) : [];
  });
}

export function railwayJsonCommands(text: string, root: JsonNode, dockerfileNextToIt: boolean): StartCommand[] {
  const builder = findNodeAtLocation(root, ['build', 'builder'])?.value;
  const dockerfilePath = findNodeAtLocation(root, ['build', 'dockerfilePath']) !== undefined;
  const form: CommandForm = railwayForm(typeof builder === 'string' ? builder : undefined, dockerfilePath, dockerfileNextToIt);
  const line = stringText(text, findNodeAtLocation(root, ['deploy', 'startCommand']));
  return line ? commandsFromLine(line, form, 'railway', 'web') : [];
}

export function appJsonDeploy(text: string, root: JsonNode): JsonDeploy {
  const env: EnvSetting[] = [];
  for (const [key, value] of properties(findNodeAtLocation(root, ['env']))) {
    const valueNode = value.type === 'object' ? findNodeAtLocation(value, ['value']) : value;
    const v = stringText(text, valueNode);
    if (v) env.push({ source: 'app-json', name: String(key.value), nameStart: key.offset + 1, nameEnd: key.offset + key.length - 1, value: v });
  }
  return { commands: scripts(text, root, 'app-json'), env };
}

export function packageJsonCommands(text: string, root: JsonNode): StartCommand[] {
  return scripts(text, root, 'package-json');
}
