/**
 * pm2's process files in YAML or JSON (`pm2 start process.yml`, `ecosystem.json`): the same `apps` list as an
 * ecosystem.config.js, written as data. Told by name (process, ecosystem or pm2, as pm2's docs name them) and by
 * content (an `apps` list whose entries name a `script`), so an unrelated `process.yaml` is no pm2 file.
 */
const NAME = /^(process(es)?|ecosystem|pm2)([.-][\w-]+)*\.(ya?ml|json)$/i;
const YAML_APPS = /^apps[ \t]*:/m;
const JSON_APPS = /"apps"\s*:\s*\[/;
const SCRIPT = /(^|[\s{,"'])script["']?\s*:/m;

/** Whether a YAML or JSON file (its base name, lower-case) is a pm2 process file. */
export function isPm2ProcessFile(name: string, text: string | undefined): boolean {
  if (name === 'ecosystem.config.json') return true;
  if (!NAME.test(name) || text === undefined) return false;
  return (name.endsWith('.json') ? JSON_APPS : YAML_APPS).test(text) && SCRIPT.test(text);
}
