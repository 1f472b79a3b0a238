/** Command-line parsing for `memlint`. Usage errors throw UsageError (exit code 2). */
import { parseArgs } from 'node:util';

export type OutputFormat = 'text' | 'json' | 'sarif' | 'html' | 'github';

export interface CliOptions {
  paths: string[];
  format: OutputFormat;
  output?: string;
  fix: boolean;
  unsafeFixes: boolean;
  config?: string;
  select: string[];
  ignore: string[];
  exitZero: boolean;
  /** Print the unified diff of what --fix would change; change nothing. */
  diff: boolean;
  /** Print counts per rule instead of each finding. */
  statistics: boolean;
  /** Run again whenever a file changes. */
  watch: boolean;
  docsUrl?: string;
  color: boolean;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: memlint [paths...] [options]
       memlint lsp [--stdio]         the language server, for editors (JSON-RPC on stdin/stdout)

Finds code and deploy configuration that make web backends run out of memory.

Options:
  --format <text|json|sarif|html|github>
                                   output format (default: text); github: workflow annotations
  -o, --output <file>              write the report to a file instead of stdout
  --fix                            apply safe fixes in place
  --unsafe-fixes                   with --fix or --diff, also apply unsafe fixes
  --diff                           print the diff of what --fix would change; change nothing
                                   (exit 1 when there is something to change)
  --statistics                     print the number of findings per rule
  --watch                          run again whenever a file changes
  --config <file>                  config file (default: memlint.toml, [tool.memlint] in
                                   pyproject.toml or "memlint" in package.json at the root)
  --select <ids>                   only run these rules (comma-separated)
  --ignore <ids>                   skip these rules (comma-separated)
  --exit-zero                      exit 0 even when there are findings
  --docs-url <url>                 base URL of the rule pages in reports (default: the pages
                                   installed with memlint; also $MEMLINT_DOCS_URL)
  --no-color                       plain text output
  -h, --help                       show this help
  --version                        print the version

Exit codes: 0 no findings, 1 findings, 2 bad usage or configuration.`;

const FORMATS: OutputFormat[] = ['text', 'json', 'sarif', 'html', 'github'];

const splitIds = (values: string[] | undefined) =>
  (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);

export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        fix: { type: 'boolean' },
        'unsafe-fixes': { type: 'boolean' },
        config: { type: 'string' },
        select: { type: 'string', multiple: true },
        ignore: { type: 'string', multiple: true },
        'exit-zero': { type: 'boolean' },
        diff: { type: 'boolean' },
        statistics: { type: 'boolean' },
        watch: { type: 'boolean', short: 'w' },
        'docs-url': { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const format = (v.format ?? 'text') as OutputFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${v.format}")`);
  if (v['unsafe-fixes'] && !v.fix && !v.diff) throw new UsageError('--unsafe-fixes only makes sense with --fix or --diff');
  if (v.diff && v.fix) throw new UsageError('--diff shows what --fix would change: use one or the other');
  if (v.diff && v.statistics) throw new UsageError('--diff and --statistics cannot be combined');
  if (v.statistics && format !== 'text' && format !== 'json') throw new UsageError('--statistics prints text or json');
  return {
    paths: parsed.positionals.length ? parsed.positionals : ['.'],
    format,
    output: v.output,
    fix: !!v.fix,
    unsafeFixes: !!v['unsafe-fixes'],
    config: v.config,
    select: splitIds(v.select),
    ignore: splitIds(v.ignore),
    exitZero: !!v['exit-zero'],
    diff: !!v.diff,
    statistics: !!v.statistics,
    watch: !!v.watch,
    docsUrl: v['docs-url'],
    color: !v['no-color'] && !process.env.NO_COLOR,
    help: !!v.help,
    version: !!v.version,
  };
}
