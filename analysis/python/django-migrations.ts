/**
 * Django migration modules as Django writes them, told from their text. Their `migrations.CreateModel(fields=[...
 * models.ForeignKey(...)])` match every "may declare a model" prefilter, yet the one class they declare is no model,
 * serializer or manager: a project fact builder need not parse them (most of a mature project's modules).
 */

/** The header Django writes, at column 0. */
const HEADER = /^class Migration\(migrations\.Migration\):[ \t]*\r?$/m;
/** What Django writes as the class's own statements: its lists and flags, a bracket closing one of them, a comment. */
const OWN_STATEMENT = /^(?:(?:dependencies|operations|replaces|run_before)[ \t]*=[ \t]*\[|(?:initial|atomic)[ \t]*=[ \t]*(?:True|False)[ \t]*(?:#.*)?$|[\])}][\])},]*[ \t]*(?:#.*)?$|#)/;
/** Text that makes a class a model (a proxy) or a relation-loading class whatever its statements are (drf.ts). */
const CLASS_FACT_TEXT = /select_related|prefetch_related|^[ \t]+proxy[ \t]*=/m;

/**
 * True for a module whose only class is `class Migration(migrations.Migration):` (the word `class` appears nowhere
 * else) and whose every line at the class body's indentation is one of the statements Django writes there (lines
 * deeper in are inside those statements' brackets; a line at column 0 is not the class's). Such a class has no
 * `name = call(...)` statement of its own, no serializer or model base: no model, serializer or loading facts.
 */
export function isPlainMigration(text: string): boolean {
  const header = HEADER.exec(text);
  if (!header || CLASS_FACT_TEXT.test(text)) return false;
  const classWords = text.match(/\bclass\b/g);
  if (classWords?.length !== 1) return false;
  let indent: string | undefined;
  for (const raw of text.slice(header.index + header[0].length).split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const code = line.trimStart();
    if (!code || line.length === code.length) continue;
    const lead = line.slice(0, line.length - code.length);
    if (indent === undefined) {
      if (code.startsWith('#')) continue;
      indent = lead;
    }
    if (lead === indent && !OWN_STATEMENT.test(code)) return false;
  }
  return indent !== undefined;
}
