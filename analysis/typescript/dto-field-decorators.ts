/**
 * The decorators written before a field of a DTO/args class (`@IsInt() @Min(1) limit?: number`), found through what
 * NestJS projects put between a parameter's type and the class that declares the field: a type alias
 * (`type QueryType = InstanceType<typeof QueryDTO>`, `type Q = QueryDTO`), a base class (`class QueryDTO extends
 * PaginationDTO`), and imports, relative or through tsconfig `paths`/`baseUrl` (`from 'common/pagination.dto'`).
 * Read as text: the declaring files are not parsed.
 */
import type { RuleContext } from '../../rules/api';
import { resolveModule } from './import-graph';

/** Base classes, aliases and imports followed before giving up. */
const MAX_HOPS = 6;

export function dtoFieldDecorators(ctx: RuleContext, fromFile: string, text: string, typeName: string, field: string, hops = 0): string | undefined {
  if (hops > MAX_HOPS) return undefined;
  const klass = classText(text, typeName);
  if (klass !== undefined) {
    const decorators = new RegExp(`((?:@\\w+\\s*\\([^;{}]*?\\)\\s*)+)(?:readonly\\s+)?${field}\\s*[?!]?\\s*[:=;]`).exec(klass.body)?.[1];
    if (decorators !== undefined || !klass.base) return decorators;
    return dtoFieldDecorators(ctx, fromFile, text, klass.base, field, hops + 1);
  }
  // `type QueryType = InstanceType<typeof QueryDTO>` / `type QueryType = QueryDTO`.
  const alias = new RegExp(`\\btype\\s+${typeName}\\s*=\\s*(?:InstanceType\\s*<\\s*typeof\\s+([\\w$]+)\\s*>|([\\w$]+)\\s*[;\\n])`).exec(text);
  if (alias) return dtoFieldDecorators(ctx, fromFile, text, (alias[1] ?? alias[2])!, field, hops + 1);
  const imported = importOf(text, typeName);
  if (!imported) return undefined;
  const file = resolveModule(ctx.project, fromFile, imported.specifier);
  const fileText = file === undefined ? undefined : ctx.project.readFile(file);
  return file === undefined || fileText === undefined ? undefined : dtoFieldDecorators(ctx, file, fileText, imported.name, field, hops + 1);
}

/** The body of `class Name [extends Base] { ... }` (braces matched) and its base class, or undefined. */
function classText(text: string, name: string): { body: string; base?: string } | undefined {
  const head = new RegExp(`\\bclass\\s+${name}\\b(?:\\s*<[^{]*?>)?(?:\\s+extends\\s+([\\w$]+))?[^{]*\\{`).exec(text);
  if (!head) return undefined;
  let depth = 0;
  let end = text.length;
  for (let i = head.index + head[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      end = i + 1;
      break;
    }
  }
  return { body: text.slice(head.index, end), base: head[1] };
}

/** `import { Name } from 'spec'` / `import { Orig as Name } from 'spec'`: the module and the exported name. */
function importOf(text: string, name: string): { specifier: string; name: string } | undefined {
  for (const m of text.matchAll(/\bimport\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
    for (const part of m[1].split(',')) {
      const [orig, local] = part.replace(/^\s*type\s+/, '').split(/\s+as\s+/).map((s) => s.trim());
      if ((local ?? orig) === name) return { specifier: m[2], name: orig };
    }
  }
  return undefined;
}
