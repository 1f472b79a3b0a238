/**
 * What a Django model's own properties and argument-less methods read through `self` (`self.members.count()`,
 * `str(self.manager)`, `self.manager.get_full_name()`): a serializer field or template that reads such a member
 * for each row of a list runs those queries per row, though its own text names no relation. DRF's ReadOnlyField
 * (what a ModelSerializer builds for a property or method named in Meta.fields) calls a simple callable, so a
 * method with no parameter but `self` counts as well as a `@property` / `@cached_property`.
 */
import type { Node } from 'web-tree-sitter';
import { readsOfName } from './drf-serializers';

/** One `self.a.b` read (or `self.a.m()`: path `[a]`, call `m`; `self.m()`: path `[]`, call `m`), without offsets. */
export interface MemberRead {
  path: string[];
  call?: string;
}

/** Decorators that keep a member readable as an attribute: `@property`, `@cached_property`, `@functools.cached_property`. */
const PROPERTY_DECORATOR = /^@\s*(?:[\w.]+\.)?\w*property\s*$/;

/** The members of a model class body that read through `self`, by name (members reading nothing are left out). */
export function modelMemberReads(body: Node): Map<string, MemberRead[]> {
  const out = new Map<string, MemberRead[]>();
  for (const statement of body.namedChildren) {
    const decorated = statement?.type === 'decorated_definition' ? statement : undefined;
    const def = decorated ? decorated.childForFieldName('definition') : statement;
    if (def?.type !== 'function_definition') continue;
    const name = def.childForFieldName('name')?.text ?? '';
    if (name.startsWith('__')) continue;
    const decorators = decorated?.namedChildren.filter((d) => d?.type === 'decorator').map((d) => d!.text) ?? [];
    const property = decorators.some((d) => PROPERTY_DECORATOR.test(d));
    // Other decorators (`@staticmethod`, `@admin.display`, a setter) change what the name means: not followed.
    if (decorators.length > 0 && !property) continue;
    const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p && p.type !== 'comment');
    const self = params[0]?.type === 'identifier' ? params[0].text : undefined;
    if (!self || params.length !== 1) continue;
    const reads = readsOfName(def, self).map((r) => (r.call === undefined ? { path: r.path } : { path: r.path, call: r.call }));
    if (reads.length > 0) out.set(name, reads);
  }
  return out;
}
