/**
 * unbounded-queryset, SQLAlchemy one-to-many relationships declared eager on a table of people:
 * `shipments = relationship("Shipment", lazy="selectin")` on `Seller`, SQLModel's
 * `Relationship(sa_relationship_kwargs={"lazy": "joined"})`. Every load of one account (the login, the auth
 * dependency of every route) then loads all the rows that account ever made, and each of their own eager
 * relationships: a history that grows with use, read on every request. Reported at the declaration when the child
 * rows grow with use (sqlalchemy-responses.ts' grows()) and are stamped with a time: one row per event of that
 * person's, not a handful of settings.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { ReportSpec, RuleContext } from '../api';
import { modelNamed, relationshipOf, targetModel, type Model } from '../../analysis/python/sqlalchemy-models';
import { TIME_COLUMN } from '../../analysis/python/time-windows';
import { grows } from './sqlalchemy-responses';
import { projectTexts } from '../../analysis/project-texts';
import { ProjectSlot } from '../../analysis/cache';
import { OFFLINE_PATH } from '../../analysis/python/request-created-models';
import { fileDigest, mayHoldWord } from '../../analysis/python/file-digests';

/** A relationship loaded with its owner: `lazy="selectin"`, `'joined'`, `"subquery"`, `"immediate"` (also in a kwargs dict). */
export const EAGER_LAZY = /\blazy["']?\s*[:=]\s*["'](selectin|joined|subquery|immediate)["']/;
/** Per project: which classes the modules other than the checked one construct, under one projectTexts stamp. */
const OTHERS_BUILD = new ProjectSlot<{ stamp?: object; file?: string; answers: Map<string, boolean> }>('unbounded-queryset: constructed model classes', () => ({ answers: new Map() }));
/** Tables of people: one row per sign-up. */
const PEOPLE_MODEL = /(User|Account|Customer|Member|Person|People|Player|Client|Profile|Seller|Buyer|Vendor|Partner|Driver|Agent|Patient|Student|Employee)s?$/;
/** A login's columns: a table of people whatever its name. */
const LOGIN_COLUMN = /^(email|e_mail|username|password|password_hash|hashed_password)$/;

export function checkEagerCollections(ctx: RuleContext, tree: Tree, report: (spec: ReportSpec) => void): void {
  for (const statement of tree.rootNode.namedChildren) {
    const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    const nameNode = cls?.type === 'class_definition' ? cls.childForFieldName('name') : undefined;
    if (!cls || !nameNode || !EAGER_LAZY.test(cls.text)) continue;
    const owner = modelNamed(ctx, tree, nameNode);
    if (!owner || !isPeople(owner)) continue;
    for (const [name, declared] of owner.relationships) {
      if (declared.lazy !== 'eager') continue;
      const rel = relationshipOf(ctx, tree, owner, name);
      if (rel?.collection !== true) continue;
      const child = targetModel(ctx, tree, rel);
        if (!child || isPeople(child) || ![...child.columns].some((c) => TIME_COLUMN.test(c))) continue;
      if (!keyedTo(child, owner) || !(grows(ctx, child) || constructedInApp(ctx, child.name))) continue;
      const at = declaration(cls, name);
      if (!at) continue;
      const lazy = EAGER_LAZY.exec(at.text)?.[1] ?? 'eager';
      report({
        start: at.startIndex,
        end: at.endIndex,
        messageId: 'eager-collection',
        data: { owner: owner.name, relation: name, lazy },
        table: child.name,
        detail:
          `${owner.name}.${name} is lazy="${lazy}": every query that loads a ${owner.name} (a login, the current-user dependency of each ` +
          `route) also loads every ${child.name} row that ${owner.name.toLowerCase()} ever made, with their own eager relationships, and ` +
          `those rows only grow. Declare it lazy="select" (or "write_only"/"dynamic") and load the rows a page needs with a limited query.`,
      });
    }
  }
}

/** The child table holds a foreign key to the owner's (the rows are that person's). */
function keyedTo(child: Model, owner: Model): boolean {
  return [...child.foreignKeys.values()].includes(owner.table);
}

/**
 * Some served module of the project builds rows of the class (`Shipment(**body.model_dump(), seller_id=...)` in a
 * service that a generic repository then adds): the app makes them while it runs.
 */
function constructedInApp(ctx: RuleContext, name: string): boolean {
  const texts = projectTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const built = new RegExp(`(?<![\\w.])${name}\\s*\\(`);
  const declared = new RegExp(`^\\s*class\\s+${name}\\b`, 'm');
  // The class statement itself (`class Shipment(SQLModel, ...)`) is no construction.
  const builds = (text: string | undefined) => !!text && built.test(text) && text.split('\n').some((l) => built.test(l) && !declared.test(l) && !/^\s*#/.test(l));
  if (!OFFLINE_PATH.test(ctx.file.relPath) && builds(ctx.file.text)) return true;
  // The other modules' answer holds while only the checked file changes (projectTexts' stamp).
  const memo = OTHERS_BUILD.get(ctx.project);
  if (texts.stamp === undefined || memo.stamp !== texts.stamp || memo.file !== ctx.file.relPath) Object.assign(memo, { stamp: texts.stamp, file: ctx.file.relPath, answers: new Map() });
  const known = memo.answers.get(name);
  if (known !== undefined) return known;
  let found = false;
  for (const rel of texts.files) {
    if (rel === ctx.file.relPath || !rel.endsWith('.py') || OFFLINE_PATH.test(rel) || !mayHoldWord(fileDigest(ctx.project, rel).words, name)) continue;
    if ((found = builds(texts.text(rel)))) break;
  }
  memo.answers.set(name, found);
  return found;
}

function isPeople(model: Model): boolean {
  return PEOPLE_MODEL.test(model.name) || [...model.columns].some((c) => LOGIN_COLUMN.test(c));
}

/** The class body's `name = relationship(...)` / `name: list[X] = Relationship(...)` statement. */
function declaration(cls: Node, name: string): Node | undefined {
  for (const member of cls.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = member?.type === 'expression_statement' ? member.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === name) return assignment;
  }
  return undefined;
}
