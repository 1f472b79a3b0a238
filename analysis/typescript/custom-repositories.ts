/**
 * TypeORM custom repositories declared in another module of the project and injected by their type, the shape of
 * typedi and routing-controllers apps: `@Inject('UserRepository') private repo: typeof UserRepository` or
 * `@InjectRepository() private repo: UserRepository`, where the repositories module says
 * `export const UserRepository = dataSource.getRepository(User).extend({...})` (TypeORM 0.3),
 * `class UserRepository extends Repository<User>` or `@EntityRepository(User) class UserRepository`. The service
 * file itself imports nothing from typeorm, so only the declaring module tells a repository from a hand-written
 * class named the same.
 */
import path from 'node:path';
import { ts } from 'ts-morph';
import type { RuleContext } from '../../rules/api';
import { importSource, isLocalSpecifier } from './imports';

const EXTENSIONS = ['.ts', '.js', '/index.ts', '/index.js', '.mts', '.mjs', '.cts', '.cjs'];

/**
 * The entity of a TypeORM repository declared in the module `typeId` is imported from ('' when the module does not
 * name it), or undefined when that module does not declare `typeId` as a TypeORM repository.
 */
export function importedRepositoryEntity(ctx: RuleContext, typeId: ts.Identifier): string | undefined {
  const source = importSource(typeId);
  if (!source || !isLocalSpecifier(source.specifier)) return undefined;
  const name = source.imported === 'default' || source.imported === '*' ? typeId.text : source.imported;
  const text = moduleText(ctx, source.specifier);
  return text === undefined ? undefined : declaredRepositoryEntity(text, name);
}

/** Reads the module a relative specifier names, trying the extensions a bundler or ts-node would. */
function moduleText(ctx: RuleContext, specifier: string): string | undefined {
  const dir = path.posix.dirname(ctx.file.relPath);
  const base = path.posix.normalize(path.posix.join(dir, specifier)).replace(/\.(js|mjs|cjs)$/, '');
  for (const ext of EXTENSIONS) {
    const text = ctx.project.readFile(`${base}${ext}`);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The entity `name` is a repository of in `text` ('' when unnamed), or undefined when `text` does not declare one. */
export function declaredRepositoryEntity(text: string, name: string): string | undefined {
  if (!/typeorm|getRepository|EntityRepository/.test(text)) return undefined;
  const id = name.replace(/[$]/g, '\\$');
  // `export const UserRepository = AppDataSource.getRepository(User).extend({`
  const extended = new RegExp(`\\b${id}\\s*=\\s*[\\w$.]*\\bget(?:Tree|Mongo)?Repository\\s*(?:<[^>]*>)?\\s*\\(\\s*([\\w$]*)[^)]*\\)\\s*\\.\\s*extend\\s*\\(`).exec(text);
  if (extended) return extended[1];
  // `@EntityRepository(User) export class UserRepository extends Repository<User>` / `class X extends Repository<User>`
  const subclass = new RegExp(`\\bclass\\s+${id}\\s+extends\\s+(?:Repository|TreeRepository|MongoRepository)\\s*<\\s*([\\w$]*)`).exec(text);
  if (subclass) return subclass[1];
  const decorated = new RegExp(`@EntityRepository\\s*\\(\\s*([\\w$]*)[^)]*\\)\\s*(?:export\\s+)?(?:default\\s+)?class\\s+${id}\\b`).exec(text);
  return decorated ? decorated[1] : undefined;
}
