/**
 * The configuration file of celery's generic init script (`/etc/default/celeryd`, often an Ansible/Salt template
 * `celeryd.j2`): shell assignments the script sources before it runs
 * `$CELERY_BIN multi start $CELERYD_NODES -A $CELERY_APP ... $CELERYD_OPTS`. The worker options live in
 * CELERYD_OPTS, so that value is read as the arguments of a `celery worker` command.
 */
import { commandsFromLine, type EnvSetting, type StartCommand } from './commands-build';
import type { ElementInsert, Word } from './commands-shell';
import { MappedTextBuilder } from './commands-text';

/** `celeryd`, `celeryd.j2`, `default/celeryd`: named like the init script's config. */
const CELERYD_NAME = /^celeryd(\.(j2|jinja2?|tmpl|template|conf|env|sh))?$/i;

/** Named like the init script's config (read as an env file). */
export function isCeleryDefaultsName(name: string): boolean {
  return CELERYD_NAME.test(name);
}

/** It sets the variables only the init script reads. */
export function setsCeleryDefaults(text: string): boolean {
  return /^[ \t]*(export[ \t]+)?CELERYD_(OPTS|NODES)[ \t]*=/m.test(text);
}

/**
 * One `celery worker` command whose arguments are CELERYD_OPTS's words (with their file offsets); the program
 * and `worker` words sit on the CELERYD_OPTS name. Without CELERYD_OPTS the command has no options at all.
 * The fix inserts options at the start of a quoted value.
 */
export function celeryDefaultsCommands(text: string, settings: readonly EnvSetting[]): StartCommand[] {
  const opts = settings.filter((s) => s.name === 'CELERYD_OPTS').pop();
  const nodes = settings.find((s) => s.name === 'CELERYD_NODES');
  const anchor = opts ?? nodes;
  if (!anchor) return [];
  const line = new MappedTextBuilder();
  line.push('celery worker', anchor.nameStart, anchor.nameEnd);
  if (opts) {
    line.push(' ', anchor.nameEnd, anchor.nameEnd);
    for (let i = 0; i < opts.value.length; i++) line.pushFrom(opts.value, i);
  }
  const commands = commandsFromLine(line.build(anchor.nameStart), 'shell', 'env-file', 'celeryd');
  const valueStart = opts ? opts.value.startOf(0) : undefined;
  const quoted = valueStart !== undefined && /["']/.test(text[valueStart - 1] ?? '');
  // The `celery` and `worker` words sit on the variable's name: options go at the start of its quoted value
  // (data, not a closure: the deploy model is posted between scan threads).
  const insert: ElementInsert = quoted ? { kind: 'prefix', at: valueStart!, separator: opts!.value.length > 0 } : { kind: 'none' };
  const onName = (word: Word): Word => (word.start < anchor.nameEnd ? { ...word, insertAfter: insert } : word);
  return commands.map((command) => ({ ...command, programWord: onName(command.programWord), args: command.args.map(onName) }));
}
