/**
 * NestJS query DTOs passed whole: the controller takes `@Query() dto: PaginationDto` and hands it to a service method
 * `getAll(dto: PaginationDto)` that reads `const { page, limit } = dto` (or `dto.limit`) into `take: limit` /
 * `.take(limit)`, where the DTO's field is validated by class-validator (`@IsInt() @Min(1)`) but has no `@Max()`:
 * the validation pipe lets any size through. Reported at the read, in the method that sizes it.
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { TreeSlot } from '../../analysis/cache';
import { indexOf, unwrap } from '../../analysis/typescript/ast';
import { PAGE_SIZE_ARGS, argsFieldDecorators, capped, pageSizeAliases } from './nest-page-args';

/** class-validator / class-transformer decorators that mark a field as a validated request input. */
const VALIDATED_FIELD = /@(IsInt|IsNumber|IsPositive|Min|IsNumberString|Type)\s*\(/;
/** Decorators that bound the value. */
const BOUNDED_FIELD = /@(Max|IsIn|Validate)\s*\(/;

const TAKE_OR_LIMIT = /\b(take|limit)\b/;

export interface DtoPageSize {
  start: number;
  end: number;
  /** The DTO field (`limit`). */
  name: string;
  /** The method that reads with it. */
  readIn: string;
}

export function uncappedDtoPageSizes(ctx: RuleContext, sf: ts.SourceFile): DtoPageSize[] {
  const out: DtoPageSize[] = [];
  for (const fn of indexOf(sf).functions) {
    if (!isServiceMethod(fn) || insideServiceMethod(fn)) continue;
    for (const c of methodCandidates(fn)) {
      // The DTO's field decorators read the file's text and the project: asked only for a method's uncapped reads.
      const decorators = argsFieldDecorators(ctx, c.type, c.field);
      if (!decorators || !VALIDATED_FIELD.test(decorators) || BOUNDED_FIELD.test(decorators)) continue;
      out.push({ start: fn.pos + c.start, end: fn.pos + c.end, name: c.field, readIn: c.readIn });
    }
  }
  return out;
}

/** A method with a body of a class: where the reads are looked for (a walk from the file stopped at each). */
function isServiceMethod(n: ts.Node): n is ts.MethodDeclaration & { body: ts.Block } {
  return ts.isMethodDeclaration(n) && n.body !== undefined && ts.isClassLike(n.parent);
}

/** Inside another service method (a class expression in its body): not looked at, as the walk never got there. */
function insideServiceMethod(n: ts.Node): boolean {
  for (let p = n.parent; p; p = p.parent) if (isServiceMethod(p)) return true;
  return false;
}

/** A read of a DTO parameter's page-size field that nothing in the method caps, offsets from the method's `pos`. */
interface Candidate {
  type: ts.TypeReferenceNode;
  field: string;
  start: number;
  end: number;
  readIn: string;
}

/**
 * What the method alone says (its parameters, reads, caps and aliases), kept per method node: the incremental
 * reparse reuses an untouched method's node, so a keystroke re-reads only the method it changed.
 */
const CANDIDATES = new TreeSlot<Candidate[]>('large-page-size: uncapped DTO page-size reads of a method node');

function methodCandidates(n: ts.MethodDeclaration & { body: ts.Block }): Candidate[] {
  return CANDIDATES.get(n, () => readsOfMethod(n));
}

function readsOfMethod(n: ts.MethodDeclaration & { body: ts.Block }): Candidate[] {
  const out: Candidate[] = [];
  // Every report is at a `take`/`limit` the method's own text spells: a method without one is not walked.
  if (!TAKE_OR_LIMIT.test(n.body.getText())) return out;
  const body = n.body;
  for (const p of n.parameters) {
    if (!ts.isIdentifier(p.name) || !p.type || !ts.isTypeReferenceNode(p.type)) continue;
    for (const { field, local } of pageFieldsRead(body, p.name.text)) {
      const aliases = pageSizeAliases(body, local, true);
      if (capped(body, local) || aliases.some((a) => capped(body, a.name))) continue;
      const at = readAt(body, local) ?? (() => {
        // `const take = limit || DEFAULT; ... take: take`: reported where the default is chosen and the cap belongs.
        const alias = aliases.find((a) => readAt(body, a.name));
        return alias ? { start: alias.decl.getStart(), end: alias.decl.getEnd() } : undefined;
      })();
      if (at) out.push({ type: p.type, field, start: at.start - n.pos, end: at.end - n.pos, readIn: n.name.getText() });
    }
  }
  return out;
}

/** `const { page, limit } = dto` (local `limit`) and `dto.limit` (local `dto.limit`) for page-size fields. */
function pageFieldsRead(body: ts.Block, param: string): { field: string; local: string }[] {
  const out: { field: string; local: string }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && n.initializer && ts.isObjectBindingPattern(n.name)) {
      const init = unwrap(n.initializer);
      if (ts.isIdentifier(init) && init.text === param) {
        for (const el of n.name.elements) {
          const field = el.propertyName ? el.propertyName.getText() : el.name.getText();
          if (PAGE_SIZE_ARGS.test(field) && ts.isIdentifier(el.name)) out.push({ field, local: el.name.text });
        }
      }
    }
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === param && PAGE_SIZE_ARGS.test(n.name.text)) {
      if (!out.some((f) => f.local === n.getText())) out.push({ field: n.name.text, local: n.getText() });
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** The span of `take: limit` / `limit: limit` / `.take(limit)` / `.limit(limit)`, or a shorthand `find({ take })`. */
function readAt(body: ts.Block, local: string): { start: number; end: number } | undefined {
  const name = local.replace(/\./g, '\\.');
  const value = `(?:(?:Number|parseInt)\\s*\\(\\s*|\\+\\s*)?${name}\\b(?!\\s*\\.)`;
  const m = new RegExp(`\\b(take|limit)\\s*:\\s*${value}|\\.\\s*(limit|take)\\s*\\(\\s*${value}`).exec(body.getText());
  if (m) {
    const start = body.getStart() + m.index;
    return { start, end: start + m[0].length };
  }
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    // `repo.find({ where, take })`: an object literal passed to a call, not `return { items, limit }`.
    if (ts.isShorthandPropertyAssignment(n) && n.name.text === local && /^(take|limit)$/.test(local) && ts.isCallExpression(n.parent.parent) && n.parent.parent.arguments.includes(n.parent)) {
      found = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found ? { start: found.getStart(), end: found.getEnd() } : undefined;
}

