/**
 * NestJS page sizes the client picks with no maximum: a GraphQL resolver argument `@Args('take', { type: () => Int })`
 * or a REST handler's `@Query('limit', ParseIntPipe)` (also `first`, `last`, `take`, `pageSize`, `perPage`), or a field of
 * an `@ArgsType()`/DTO class destructured as `@Args() { skip, take }: PageArgs` / `@Query() { limit }: PageDto` with no
 * `@Max()`, that reaches a database read as its page size, in the
 * resolver or in the injected service method it is passed to, and is capped in neither (`Math.min(take, 100)`,
 * `if (take > 100)`).
 */
import { ts } from 'ts-morph';
import type { RuleContext } from '../api';
import { decoratorCall, decoratorNames, outermostChain, stringValue, unwrap } from '../../analysis/typescript/ast';
import { importSource } from '../../analysis/typescript/imports';
import { injectedMethod } from '../../analysis/typescript/injected-methods';
import { ormCallOf } from '../../analysis/typescript/orm';
import { inAdminOnlyNestRoute } from '../../analysis/typescript/nest-admin-only';
import { dtoFieldDecorators } from '../../analysis/typescript/dto-field-decorators';

/** Names a client's page size goes by: `take`, `limit`, `first`, and `?count=` / `?size=` (Spring-style `PageRequest(page, size)`). */
export const PAGE_SIZE_ARGS = /^(take|first|last|limit|count|size|pageSize|perPage|pageLimit|itemsPerPage|rowsPerPage|maxResults|per_page|page_size)$/;
/** GraphQL resolver methods, and Nest REST handlers (whose `@Query('limit')` is the same choice in a query string). */
const HANDLER_DECORATORS = new Set(['Query', 'ResolveField', 'Mutation', 'Get', 'Post', 'Put', 'Patch', 'Delete', 'All']);
/** Pipes that convert or default a value but never cap it. */
const NON_CAPPING_PIPES = /^(new\s+)?(ParseIntPipe|ParseFloatPipe|DefaultValuePipe)\b/;

export interface UncappedPageArg {
  /** The parameter (with its decorator) or the binding element of the destructured args. */
  node: ts.Node;
  /** The GraphQL argument's name. */
  name: string;
  /** Where the rows are read: 'resolver' or the service method's name. */
  readIn: string;
  /** A GraphQL argument (`@Args`), or a REST query parameter (`@Query`). */
  graphql: boolean;
}

/** Every page-size argument of the file's GraphQL resolvers that sizes a read uncapped. */
export function uncappedPageArgs(ctx: RuleContext, sf: ts.SourceFile): UncappedPageArg[] {
  const out: UncappedPageArg[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isMethodDeclaration(n) && n.body && decoratorNames(n).some((d) => HANDLER_DECORATORS.has(d))) {
      // A route only administrators can call (`@UseGuards(AdminGuard)`, admin-only `@Roles`): a trusted page size.
      const first = ts.getDecorators(n)?.[0];
      if (first && inAdminOnlyNestRoute(first)) return;
      for (const p of n.parameters) {
        for (const arg of pageArgsOf(ctx, p)) {
          if (capped(n.body, arg.local)) continue;
          const readIn = sizedRead(ctx, n.body, arg.local);
          if (readIn) out.push({ node: arg.node, name: arg.name, readIn, graphql: arg.graphql });
        }
      }
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

interface PageArg {
  node: ts.Node;
  name: string;
  /** The local name the resolver reads it under. */
  local: string;
  graphql: boolean;
}

/** `@Args('take', { type: () => Int }) take: number`, or the page-size names of `@Args() { skip, take }: PageArgs`. */
function pageArgsOf(ctx: RuleContext, p: ts.ParameterDeclaration): PageArg[] {
  const graphqlArgs = decoratorCall(p, 'Args');
  const args = graphqlArgs ?? decoratorCall(p, 'Query');
  if (!args) return [];
  const graphql = graphqlArgs !== undefined;
  const first = args.arguments[0] && unwrap(args.arguments[0]);
  const name = stringValue(first);
  if (name !== undefined) {
    // A pipe may cap or validate it (`@Args('take', PageSizePipe)`); ParseIntPipe and DefaultValuePipe do not.
    const rest = args.arguments.slice(1).map(unwrap);
    if (rest.some((a) => !ts.isObjectLiteralExpression(a) && !NON_CAPPING_PIPES.test(a.getText()))) return [];
    return PAGE_SIZE_ARGS.test(name) && ts.isIdentifier(p.name) ? [{ node: p, name, local: p.name.text, graphql }] : [];
  }
  if (args.arguments.length > 0 || !ts.isObjectBindingPattern(p.name)) return [];
  const out: PageArg[] = [];
  for (const el of p.name.elements) {
    const field = el.propertyName ? el.propertyName.getText() : el.name.getText();
    if (!PAGE_SIZE_ARGS.test(field) || !ts.isIdentifier(el.name)) continue;
    // Only when the args class is found and its field has no @Max(): class-validator then lets any value through.
    if (argsFieldCapped(ctx, p.type, field) !== false) continue;
    out.push({ node: el, name: field, local: el.name.text, graphql });
  }
  return out;
}

/** Whether the `@ArgsType()` class's field has a maximum (`@Max(100)`), or undefined when the class is not found. */
function argsFieldCapped(ctx: RuleContext, type: ts.TypeNode | undefined, field: string): boolean | undefined {
  const decorators = argsFieldDecorators(ctx, type, field);
  return decorators === undefined ? undefined : /@Max\s*\(|@IsIn\s*\(|@Validate\s*\(/.test(decorators);
}

/** The decorators written before the args/DTO class's field (`@IsInt() @Min(1)`), or undefined when not found. */
export function argsFieldDecorators(ctx: RuleContext, type: ts.TypeNode | undefined, field: string): string | undefined {
  if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
  return dtoFieldDecorators(ctx, ctx.file.relPath, type.getSourceFile().getFullText(), type.typeName.text, field);
}

/**
 * The body caps it: `Math.min(take, 100)`, `take > 100`, `100 < take`, `clamp(take, ...)`. A floor alone
 * (`if (count < 1)`, `take > 0`) is no cap.
 */
export function capped(body: ts.Node, name: string): boolean {
  const text = body.getText();
  if (new RegExp(`\\b(min|clamp)\\s*\\([^)]*\\b${name}\\b`).test(text)) return true;
  const comparisons = new RegExp(`\\b${name}\\s*(>=?|<=?)\\s*([\\w.]+)|([\\w.]+)\\s*(>=?|<=?)\\s*${name}\\b`, 'g');
  // A comparison with 0 or 1 (`count < 1`, `take > 0`) checks a floor; no page is capped at one row.
  return [...text.matchAll(comparisons)].some((m) => !/^[01]$/.test(m[2] ?? m[3]!));
}

/** Where `name` sizes a read: a read of the resolver itself, or of the injected service method it is passed to. */
function sizedRead(ctx: RuleContext, body: ts.Block, name: string): string | undefined {
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isObjectLiteralExpression(n) && typeormPaginateOptions(n) && sizesReadText(n.getText(), name)) {
      found = 'paginate';
      return;
    }
    if (ts.isCallExpression(n)) {
      const read = ormCallOf(ctx, n);
      if (read && sizesOptions(n, name)) {
        found = 'resolver';
        return;
      }
      const callee = unwrap(n.expression);
      const index = n.arguments.findIndex((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === name);
      if (index >= 0 && ts.isPropertyAccessExpression(callee)) {
        const method = injectedMethod(ctx, callee);
        const param = method?.parameters[index];
        if (method && param && ts.isIdentifier(param.name) && methodSizesRead(ctx, method, param.name.text, 1)) {
          found = callee.name.text;
          return;
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/** Layers a page size is followed through: controller -> service -> repository. */
const MAX_LAYERS = 2;

/**
 * The injected method reads with its parameter `name` as the page size, uncapped, itself or through the injected
 * method of the next layer it passes it to (`return this.postsRepository.findAllPublic(page, limit)`).
 */
function methodSizesRead(ctx: RuleContext, method: ts.MethodDeclaration, name: string, layer: number): boolean {
  const body = method.body;
  if (!body || capped(body, name)) return false;
  // `const take = perPage; ... find({ skip, take })`: the page size under the name the read spells
  const aliases = pageSizeAliases(body, name, false).map((a) => a.name);
  if (aliases.some((a) => capped(body, a))) return false;
  if ([name, ...aliases].some((n) => sizesReadText(body.getText(), n))) return true;
  if (layer >= MAX_LAYERS) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(unwrap(n.expression))) {
      const index = n.arguments.findIndex((a) => ts.isIdentifier(unwrap(a)) && (unwrap(a) as ts.Identifier).text === name);
      const next = index >= 0 ? injectedMethod(ctx, unwrap(n.expression) as ts.PropertyAccessExpression, method.getSourceFile().fileName) : undefined;
      const param = next?.parameters[index];
      if (next && param && ts.isIdentifier(param.name) && methodSizesRead(ctx, next, param.name.text, layer + 1)) {
        found = true;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}

/**
 * nestjs-typeorm-paginate's options (`const options: IPaginationOptions = { page, limit }`, or `paginate(repo, { page,
 * limit })`): its `limit` is the page size, and the library has no maximum of its own (its README caps it in the controller).
 */
function typeormPaginateOptions(literal: ts.ObjectLiteralExpression): boolean {
  const parent = literal.parent;
  const fromLibrary = (id: ts.Node | undefined) => id !== undefined && ts.isIdentifier(id) && importSource(id)?.specifier === 'nestjs-typeorm-paginate';
  if (ts.isVariableDeclaration(parent) && parent.initializer === literal && parent.type && ts.isTypeReferenceNode(parent.type)) {
    return fromLibrary(parent.type.typeName);
  }
  return ts.isCallExpression(parent) && parent.arguments.includes(literal) && fromLibrary(unwrap(parent.expression));
}

/** `findMany({ skip, take })`, `find({ take: limit })`, `findAll({ limit })`. */
function sizesOptions(call: ts.CallExpression, name: string): boolean {
  return sizesReadText(outermostChain(call).getText(), name);
}

/**
 * The text passes `name` as a database read's page size: `take: name` / `limit: name` / `first: name`, the shorthand
 * `{ take }` / `{ limit }`, or `.limit(name)` / `.take(name)`. Not `size:` (Elasticsearch caps its own windows).
 */
export function sizesReadText(text: string, name: string): boolean {
  const shorthand = name === 'take' || name === 'limit' ? `|[{,]\\s*${name}\\s*[,}]` : '';
  // The value as passed, or converted: `Number(limit)`, `parseInt(limit, 10)`, `+limit`.
  const value = `(?:(?:Number|parseInt)\\s*\\(\\s*|\\+\\s*)?${name}\\b(?!\\s*\\.)`;
  return new RegExp(`\\b(take|limit)\\s*:\\s*${value}|\\.\\s*(limit|take)\\s*\\(\\s*${value}${shorthand}`).test(text);
}

const DEFAULTING = [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarToken];

/**
 * Locals that hold the page size under another name: `const take = limit || 20`, `let size = Number(limit) ?? 10`,
 * `const n = limit | DEFAULT`, and unless `defaultedOnly`, a plain copy (`const take = perPage`).
 */
export function pageSizeAliases(body: ts.Node, local: string, defaultedOnly: boolean): { name: string; decl: ts.VariableDeclaration }[] {
  const out: { name: string; decl: ts.VariableDeclaration }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      // `limit || config.get('limit') || 10`: the leftmost operand of the chain of defaults.
      let read: ts.Expression = unwrap(n.initializer);
      let defaulted = false;
      while (ts.isBinaryExpression(read) && DEFAULTING.includes(read.operatorToken.kind)) {
        read = unwrap(read.left);
        defaulted = true;
      }
      if ((defaulted || !defaultedOnly) && n.name.text !== local && numericRead(read) === local) out.push({ name: n.name.text, decl: n });
    }
    ts.forEachChild(n, visit);
  };
  visit(body);
  return out;
}

/** The read under `Number(x)`, `parseInt(x)`, `+x`, `(x)`: its text. */
function numericRead(e: ts.Expression): string {
  const u = unwrap(e);
  if (ts.isCallExpression(u) && ts.isIdentifier(u.expression) && /^(Number|parseInt)$/.test(u.expression.text) && u.arguments[0]) return numericRead(u.arguments[0]);
  if (ts.isPrefixUnaryExpression(u) && u.operator === ts.SyntaxKind.PlusToken) return numericRead(u.operand);
  return u.getText();
}
