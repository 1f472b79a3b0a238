/**
 * The processes a pm2 ecosystem file starts when they are not Node scripts: `script: "gunicorn"` (or a
 * virtualenv's `venv/bin/gunicorn`) with `args: "-w 4 app:app"`, `script: "app.py"` with `interpreter: "python3"`,
 * `script: "python3", args: "-m celery -A proj worker"`. Each becomes a start command whose words point at the
 * characters of the file's string literals, so counts read from `args` land on them. Literals with escapes or
 * computed values are left out (a miss, never a wrong offset); pm2 passes `args` without a shell, so no fix
 * inserts into them.
 */
import { ts } from 'ts-morph';
import { arrayElementWord, commandsFromWords, type StartCommand, type Word } from './commands-build';
import { MappedText } from './commands-text';

export interface EcosystemApp {
  name?: string;
  cwd?: string;
  /** Runs a Python program (a server, a worker, a script), not a Node script pm2 loads itself. */
  python: boolean;
  commands: StartCommand[];
}

const NODE_SCRIPT = /\.(c|m)?[jt]sx?$/i;
const PYTHON_PROGRAM = /(^|\/)(python[\d.]*|gunicorn|uvicorn|hypercorn|daphne|celery|streamlit|flask|waitress-serve)$|\.py$/i;

/** The apps of an ecosystem.config.js / .json, or [] when it cannot be read. */
export function ecosystemApps(file: string, text: string): EcosystemApp[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.json') ? ts.ScriptKind.JSON : ts.ScriptKind.JS);
  const out: EcosystemApp[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'apps' && ts.isArrayLiteralExpression(node.initializer)) {
      for (const element of node.initializer.elements) if (ts.isObjectLiteralExpression(element)) out.push(appOf(text, element));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function appOf(text: string, app: ts.ObjectLiteralExpression): EcosystemApp {
  const props = new Map<string, ts.Expression>();
  for (const p of app.properties) if (ts.isPropertyAssignment(p) && propertyName(p.name)) props.set(propertyName(p.name)!, p.initializer);
  const name = literal(text, props.get('name'))?.value;
  const cwd = literal(text, props.get('cwd'))?.value;
  const script = literal(text, props.get('script'));
  const interpreter = literal(text, props.get('interpreter'));
  if (!script) return { name, cwd, python: false, commands: [] };
  const viaPython = interpreter !== undefined && /(^|\/)python[\d.]*$/.test(interpreter.value);
  const python = viaPython || (PYTHON_PROGRAM.test(script.value) && !NODE_SCRIPT.test(script.value));
  if (!python) return { name, cwd, python: false, commands: [] };
  const args = props.get('args');
  const argWords = args && ts.isArrayLiteralExpression(args) ? args.elements.map((e) => literal(text, e)) : [literal(text, args)];
  if (args && argWords.some((w) => w === undefined)) return { name, cwd, python, commands: [] };
  const words = [...(viaPython ? wordsOf(interpreter!) : []), ...wordsOf(script), ...argWords.flatMap((w) => (w ? wordsOf(w) : []))];
  return { name, cwd, python, commands: commandsFromWords(words, 'exec', 'pm2', name) };
}

/** A string literal's value with its file offsets, when it has no escapes. */
function literal(text: string, node: ts.Expression | undefined): MappedText | undefined {
  if (!node || !(ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return undefined;
  const start = node.getStart() + 1;
  const end = node.end - 1;
  return text.slice(start, end) === node.text ? MappedText.of(text, start, end) : undefined;
}

/** Words split at spaces, as pm2 splits an `args` string. */
function wordsOf(value: MappedText): Word[] {
  const out: Word[] = [];
  for (const m of value.value.matchAll(/\S+/g)) {
    const part = value.slice(m.index, m.index + m[0].length);
    const [start, end] = part.fileRange();
    out.push(arrayElementWord(part, start, end, { kind: 'none' }));
  }
  return out;
}
