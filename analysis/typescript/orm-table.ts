/**
 * The model or table an ORM read's rows come from, for the `smallTables` setting: only a name the code shows to be
 * one. Prisma's delegate (`prisma.menuItem`) always names its model; another ORM's receiver names one when it is a
 * class-like name (`User.findAll()`, `db.Banner.find()`, `getRepository(Banner)`), not a holder's property
 * (`this.userModel`, `this.repo`), which would be a guess.
 */
import type { OrmCall } from './orm';

export function tableOfOrmCall(q: Pick<OrmCall, 'orm' | 'model'>): string | undefined {
  if (!q.model) return undefined;
  return q.orm === 'prisma' || /^[A-Z]/.test(q.model) ? q.model : undefined;
}
