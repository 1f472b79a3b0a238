/**
 * tRPC procedures whose zod input holds a number with no maximum (`z.number().default(10)`, `z.coerce.number()`) that
 * the procedure uses as a read's page size (`take: input.numberOfImages`, `const { limit } = input; ... .limit(limit)`).
 * Reported at the schema field, where the `.max()` belongs.
 */
import { ts } from 'ts-morph';
import { unwrap } from '../../analysis/typescript/ast';
import { sizesReadText } from './nest-page-args';

/** A zod number: `z.number()`, `z.coerce.number()`, `z.number().int().positive()`. */
const ZOD_NUMBER = /^z\s*\.\s*(coerce\s*\.\s*)?number\s*\(/;
/** What bounds it from above. */
const ZOD_MAX = /\.\s*(max|lte|lt|finite\s*\(\s*\)\s*\.\s*max)\s*\(|\.\s*(refine|transform|pipe)\s*\(/;

export interface ZodPageSize {
  /** The schema field (`numberOfImages: z.number().default(10)`). */
  field: ts.PropertyAssignment;
  name: string;
}

export function uncappedZodPageSizes(sf: ts.SourceFile): ZodPageSize[] {
  const out: ZodPageSize[] = [];
  const visit = (n: ts.Node): void => {
    // `.input(z.object({...})).query(({ input }) => ...)` (also `.mutation`).
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(query|mutation)$/.test(n.expression.name.text)) {
      const schema = inputSchema(n.expression.expression);
      const handler = n.arguments[0] && unwrap(n.arguments[0]);
      if (schema && handler && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) {
        for (const p of schema.properties) {
          if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
          const value = p.initializer.getText();
          if (!ZOD_NUMBER.test(value) || ZOD_MAX.test(value)) continue;
          if (sizesRead(handler.body, p.name.text)) out.push({ field: p, name: p.name.text });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The object literal of `.input(z.object({ ... }))` in the procedure builder chain. */
function inputSchema(builder: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const call = unwrap(builder);
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'input') return undefined;
  const arg = call.arguments[0] && unwrap(call.arguments[0]);
  if (!arg || !ts.isCallExpression(arg) || !/^z\s*\.\s*object$/.test(arg.expression.getText())) return undefined;
  const literal = arg.arguments[0] && unwrap(arg.arguments[0]);
  return literal && ts.isObjectLiteralExpression(literal) ? literal : undefined;
}

/** `take: input.name`, or `name` destructured from `input` and used as the page size, uncapped. */
function sizesRead(body: ts.Node, name: string): boolean {
  const text = body.getText();
  if (new RegExp(`\\b(min|clamp)\\s*\\([^)]*\\b${name}\\b`).test(text)) return false;
  if (sizesReadText(text, `input\\s*\\.\\s*${name}`)) return true;
  const destructured = new RegExp(`\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=\\s*input\\b`).test(text);
  return destructured && sizesReadText(text, name);
}
