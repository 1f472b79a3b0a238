/**
 * large-page-size (TypeScript): page sizes a client picks with no maximum (NestJS GraphQL resolvers and REST handlers).
 */
import { defineRule } from '../api';
import { hasSyntaxErrors } from '../../analysis/typescript/ast';
import { isOfflineFile } from '../../analysis/typescript/handlers';
import { uncappedPageArgs } from './nest-page-args';
import { uncappedRequestPageSizes } from './request-page-size';
import { uncappedDtoPageSizes } from './nest-dto-service';
import { uncappedZodPageSizes } from './trpc-zod-input';
import { largePageSizeMeta } from './meta';

/** Page-size keys of a request. */
const PAGE_SIZE_KEY = '(limit|per_?page|perPage|perpage|page_?size|pageSize|pagesize|size|take|count|first|itemsPerPage|items_per_page|pageLimit|page_limit)';

/**
 * A page-size key read from a request's query, path or body, or a destructured query: worth walking the file for.
 */
const REQUEST_PAGE_SIZE_READ = new RegExp(
  `searchParams\\s*\\.\\s*get\\s*\\(\\s*['"\`](limit|per_?page|perPage|page_?size|pageSize|size|take|count)['"\`]|\\.(query|params|body)\\s*(\\.\\s*|\\[\\s*['"\`])${PAGE_SIZE_KEY}\\b|\\}\\s*=\\s*[\\w.]*\\.query\\b|\\bthis\\.\\w+\\.(limit|per_?page|perPage|page_?size|pageSize|size|take|count)\\b`,
);
/**
 * A page size read from a parameter (`Number(query.limit) || 10`, `const { limit } = queryParams`): a service that
 * callers may hand `req.query` whole.
 */
const PARAMETER_PAGE_SIZE_READ = /\b(?:Number|parseInt|parseFloat)\s*\(\s*\w+\s*\.\s*(?:limit|per_?page|perPage|page_?size|pageSize|size|take|count)\b|\}\s*=\s*\w*[qQ]uery\w*\s*[;\n]/;
/** The end of a destructuring of a request's path or body: `} = req.params`. */
const DESTRUCTURED_PATH_OR_BODY = /\}\s*=\s*[\w.]*\.(params|body)\b/g;
const PAGE_SIZE_WORD = new RegExp(`\\b${PAGE_SIZE_KEY}\\b`);

/**
 * REQUEST_PAGE_SIZE_READ, or a destructured path or body naming a page-size key (`const { limit } = req.params`):
 * `this.props.match.params` in a React component is not worth a parse. The destructuring is found from its `} =`
 * and its braces read back from there: as one pattern (`\{[^{}]*\b(limit|...)\b[^{}]*\}\s*=...`) it was tried
 * from every brace of the file, ~1 ms a keystroke on a 3,600-line module.
 */
export function readsRequestPageSize(text: string): boolean {
  if (REQUEST_PAGE_SIZE_READ.test(text) || PARAMETER_PAGE_SIZE_READ.test(text)) return true;
  DESTRUCTURED_PATH_OR_BODY.lastIndex = 0;
  for (let m = DESTRUCTURED_PATH_OR_BODY.exec(text); m; m = DESTRUCTURED_PATH_OR_BODY.exec(text)) {
    let open = m.index - 1;
    while (open >= 0 && text[open] !== '{' && text[open] !== '}') open--;
    if (open >= 0 && text[open] === '{' && PAGE_SIZE_WORD.test(text.slice(open + 1, m.index))) return true;
    DESTRUCTURED_PATH_OR_BODY.lastIndex = m.index + 1;
  }
  return false;
}

/** A tRPC procedure with a zod object input (`.input(z.object({ limit: z.number() }))`). */
const TRPC_ZOD_INPUT_TEXT = /\.input\s*\(\s*z\s*\.\s*object\s*\(/;

const NEST_PAGE_ARGS_TEXT = /@(Args|Query)\s*\(/;
/** A page size read from a field of a DTO the method takes whole (`const { limit } = dto; ... take: limit`). */
const DTO_PAGE_SIZE_TEXT = /\.\s*(take|limit)\s*\(|\b(take|limit)\s*[:,}]/;

export default defineRule({
  meta: {
    ...largePageSizeMeta,
    kinds: ['typescript', 'javascript'],
    fix: 'none',
    // A `take`/`limit` alone (RxJS `take(1)`, UI config objects) matters only beside a DTO or a features class's
    // stored query (`this.queryString.limit`): alone it parsed every Angular component.
    trigger: {
      test: (text) =>
        /@(Args|Query)\s*\(|\.(query|params)\b|\b(Number|parseInt|parseFloat)\s*\(\s*\w+\s*\.\s*(limit|take|per_?page|perPage|page_?size|pageSize|size|count)\b|\}\s*=\s*\w*[qQ]uery\w*\s*[;\n]|\bsearchParams\s*\.\s*get\s*\(|\}\s*=\s*\w+\.body\b|\.body\s*\.\s*(limit|take|per_?page|perPage|page_?size|pageSize)\b/.test(text) ||
        (/\.\s*(take|limit)\s*\(|\b(take|limit)\s*[:,}]/.test(text) && /dto\b|\bthis\.\w+\.(limit|take|per_?page|page_?size|size)\b/i.test(text)),
    },
    docs: {
      summary: 'Pagination that loads thousands of rows into memory per request.',
      whatItDoes:
        'Finds NestJS GraphQL resolvers (`@Query`, `@ResolveField`, `@Mutation` methods) and REST handlers (`@Get`, ...) whose ' +
        "page size is an argument the client picks with no upper bound: `@Args('take', { type: () => Int, defaultValue: 20 }) " +
        "take: number` or `@Query('limit', ParseIntPipe) limit: number` (also `first`, `last`, `take`, `pageSize`, `perPage`), " +
        'also put into nestjs-typeorm-paginate\'s options (`const options: IPaginationOptions = { page, limit }`), ' +
        'or a field of an `@ArgsType()`/DTO class without `@Max()` destructured as `@Args() { skip, take }: PageArgs` or ' +
        '`@Query() { limit }: PageDto`, when it is the page size of a database read (`take:`/`limit:`, ' +
        '`.limit(take)`) in the resolver or in the injected service method it is passed to, and neither caps it ' +
        '(`Math.min(take, 100)`, `if (take > 100)`; a floor such as `if (take < 1)` is no cap). ' +
        'It also finds Express/Fastify/Koa handlers that take the page size from the request (`Number(req.query.per_page) || 10`, ' +
        '`parseInt(req.query.limit)`, `const { limit = 20 } = req.query`, `parseInt(req.params.count)`) and read with it ' +
        '(`.limit(perPage)`, `take: limit`, `limit: limit`, an SQL `LIMIT $2` with it among the values), in the handler or ' +
        'through a helper of the same file that returns it (`const { per_page } = getPaginationParams(req)`), or in the ' +
        'method of a model class of the project it is passed to (`new ProfileModel().find({}, count)` whose `find` does ' +
        '`.limit(limiter)`), or in a function of another module it is handed to (`getLeaderboard(limit)`, ' +
        '`getTelemetryForDevice(id, limit)` whose SQL says `LIMIT $2`, or `query += \' LIMIT $1\'` with it among the values; also the request value handed over as it is, `userPaginate(req.query.page, req.query.limit)`), uncapped, or in a service function that every caller ' +
        'hands the whole query (`studentService.getAll(req.query)`, then `Number(query.limit) || 10` into `take:`); also the Fetch API\'s query in Next.js route ' +
        'handlers (`parseInt(searchParams.get(\'limit\') || \'20\')`), a request value put straight into a read ' +
        '(`.limit(req.body.limit)`), and a page object built from the request whose constructor keeps the size as given ' +
        '(`new PageRequest(req.query.page, req.query.size)`, then `take: +pageRequest.size`). A NestJS query DTO passed whole (`@Query() dto: PaginationDto` handed to ' +
        '`service.getAll(dto)`) is reported at the read in the method that takes it (`const { limit } = dto; ... take: limit`) ' +
        'when the DTO field is validated (`@IsInt() @Min(1)`) but has no `@Max()`; and a query-features helper class the ' +
        'project constructs with the request query (`new ApiFeatures(Model.find(), req.query)`) at the member its method ' +
        'reads the page size from (`this.queryString.limit * 1 || 50` into `.limit(limit)`).',
      whyIsThisBad:
        "A default of 20 is only what clients get when they do not ask: `recipes(take: 1000000)` makes the worker load " +
        'and serialise every row of the table in one response. A few such requests at once push a 512 MB instance into ' +
        'an out-of-memory restart.',
      example: {
        fileName: 'recipes.resolver.ts',
        code: `import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { PrismaService } from '../prisma.service';

@Resolver()
export class RecipesResolver {
  constructor(private readonly prisma: PrismaService) {}

  @Query(() => [Recipe])
  recipes(@Args('take', { type: () => Int, defaultValue: 20 }) take: number) {
    return this.prisma.recipe.findMany({ take, orderBy: { createdAt: 'desc' } });
  }
}
`,
      },
      useInstead: {
        fileName: 'recipes.resolver.ts',
        code: `import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { PrismaService } from '../prisma.service';

@Resolver()
export class RecipesResolver {
  constructor(private readonly prisma: PrismaService) {}

  @Query(() => [Recipe])
  recipes(@Args('take', { type: () => Int, defaultValue: 20 }) take: number) {
    return this.prisma.recipe.findMany({ take: Math.min(take, 100), orderBy: { createdAt: 'desc' } });
  }
}
`,
      },
      notes:
        'A route only administrators can call is not reported (`@UseGuards(AdminGuard)`, or `@Roles(...)` naming only ' +
        'administrator roles beside a `@UseGuards(...)`). A request page size the file validates with a maximum ' +
        '(`limit: Joi.number().max(100)`, `z.coerce.number().max(100)`, `query(\'limit\').isInt({ max: 100 })`) is not reported. An argument with a pipe of its own (`@Args(\'take\', PageSizePipe)`) is not reported: the pipe may cap it ' +
        '(`ParseIntPipe`, `ParseFloatPipe` and `DefaultValuePipe` do not). A destructured ' +
        '`@Args()` is reported only when its `@ArgsType()` class is found (in the file or a relative import) and the field ' +
        'has no `@Max()`. Values passed to a service are followed one call deep, into a class the resolver\'s constructor ' +
        'injects from a relative import; an Elasticsearch `size:` is not a database read here (the index caps its own window).',
    },
  },
  check(ctx) {
    if (isOfflineFile(ctx.file.relPath)) return;
    // The trigger lets through every file reading req.query/req.params; parse only those that may hold a page size.
    const takesSize = readsRequestPageSize(ctx.file.text);
    const hasPageArgs = NEST_PAGE_ARGS_TEXT.test(ctx.file.text);
    const takesDto = DTO_PAGE_SIZE_TEXT.test(ctx.file.text) && /\bclass\b/.test(ctx.file.text);
    const takesZodInput = TRPC_ZOD_INPUT_TEXT.test(ctx.file.text);
    if (!takesSize && !hasPageArgs && !takesDto && !takesZodInput) return;
    const sf = ctx.typescript();
    if (hasSyntaxErrors(sf)) return;
    const max = ctx.options.suggestedMaxPageSize as number;
    const sizes = takesSize ? uncappedRequestPageSizes(ctx, sf) : [];
    for (const size of sizes) {
      ctx.report({
        start: size.node.getStart(sf),
        end: size.node.getEnd(),
        messageId: 'client-chosen-request',
        data: { param: size.param, max },
        detail:
          `The client picks ${size.param} and nothing caps it before ${size.readIn === 'the handler' ? 'the handler' : `${size.readIn}()`} ` +
          `reads with it: a value of 1000000 loads and serialises every row at once. ` +
          `Cap it where it is taken (\`Math.min(Number(req.query.limit) || 20, ${max})\`) or validate it with a maximum.`,
      });
    }
    for (const size of takesDto ? uncappedDtoPageSizes(ctx, sf) : []) {
      ctx.report({
        start: size.start,
        end: size.end,
        messageId: 'client-chosen-nest',
        data: { param: size.name, max },
        detail:
          `${size.readIn}() takes ${size.name} from a query DTO whose field has no @Max(), so the validation pipe lets any ` +
          `value through to this read: ?${size.name}=1000000 loads and serialises every row at once. Add @Max(${max}) to the ` +
          `DTO field or cap it here (\`Math.min(${size.name}, ${max})\`).`,
      });
    }
    for (const size of takesZodInput ? uncappedZodPageSizes(sf) : []) {
      ctx.report({
        start: size.field.getStart(sf),
        end: size.field.getEnd(),
        messageId: 'client-chosen-request',
        data: { param: size.name, max },
        detail:
          `The procedure's zod input accepts any ${size.name} (a number with no .max()) and uses it as the page size of a ` +
          `database read: ${size.name}: 1000000 loads and serialises every row at once. Give it \`.max(${max})\`.`,
      });
    }
    if (!hasPageArgs) return;
    for (const arg of uncappedPageArgs(ctx, sf)) {
      const where = arg.readIn === 'resolver' ? 'the resolver' : `${arg.readIn}()`;
      ctx.report({
        start: arg.node.getStart(sf),
        end: arg.node.getEnd(),
        messageId: arg.graphql ? 'client-chosen-graphql' : 'client-chosen-nest',
        data: { param: arg.name, max },
        detail:
          `The client picks ${arg.name} and nothing caps it before ${where} uses it as the page size of a database read: ` +
          `${arg.name}: 1000000 loads and serialises every row at once. Cap it (\`Math.min(${arg.name}, ${max})\`) or ` +
          'validate it with `@Max()` on an `@ArgsType()` class.',
      });
    }
  },
});
