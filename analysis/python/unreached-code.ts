/**
 * Code inside a served project that no production request or job reaches, judged from the project's own files
 * (issue 13, production reach). Asked only when a request-path rule is about to report at an offset:
 *
 * - statements after an unconditional `return`/`raise`/`continue`/`break` of their block (a view that always
 *   redirects before it lists anything);
 * - the `if __name__ == "__main__":` block of a module no deploy file starts as a script (a manual test at the end of
 *   an imported module);
 * - a Django/DRF class-based view that no URLconf, router or other production module names (routes name views);
 * - the queryset, context and template of a class-based view whose GET never renders, or the class rows of a DRF
 *   view whose overridden `list()` serialises its own (unrendered-views.ts);
 * - a method of a Django model, manager or queryset that no module, template or config names;
 * - a Celery/RQ/Dramatiq/Huey task nothing enqueues by name and no beat schedule names (unqueued-tasks.ts);
 * - a route of a FastAPI router or Flask blueprint whose module nothing imports (unmounted-routers.ts).
 *
 * When a judgement needs what the project cannot show (routers elsewhere, scheduling from the admin), the code counts
 * as reached.
 */
import type { Node, Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { topLevelStatements, type TopLevelStatement } from './statements';
import { StatementSlot } from '../cache';
import { unnamedElsewhere } from './project-mentions';
import { unqueuedTask } from './unqueued-tasks';
import { unmountedRoute } from './unmounted-routers';
import { unrenderedViewPart } from './unrendered-views';
import { isMainGuard, startedAsScript } from './main-guard';

export function unreachedCode(ctx: RuleContext, tree: Tree, offset: number, hasUrlConf: () => boolean): boolean {
  const top = topLevelStatements(tree).find((s) => s.start <= offset && offset < s.end);
  if (!top) return false;
  if (unreachedInStatement(tree, top, offset)) return true;
  // A module's `__main__` block runs only when the module is started as a script, which no deploy does.
  if (top.type === 'if_statement' && isMainGuard(top.node) && !startedAsScript(ctx.file.relPath, ctx.project)) return true;
  const definition = top.type === 'decorated_definition' ? top.node.childForFieldName('definition') : top.node;
  if (!definition) return false;
  if (definition.type === 'function_definition') {
    return top.type === 'decorated_definition' && (unqueuedTask(ctx, top.node) || unmountedRoute(ctx, top.node));
  }
  if (definition.type !== 'class_definition' || top.type === 'decorated_definition') return false;
  const bases = definition.childForFieldName('superclasses')?.text ?? '';
  if (VIEW_BASE.test(bases)) return hasUrlConf() && unnamedElsewhere(ctx, definition.childForFieldName('name')?.text ?? '', false);
  if (MODEL_BASES.test(bases)) return uncalledMethod(ctx, definition, offset);
  return false;
}

/**
 * What the top-level statement alone says of the offset: after an unconditional exit, or in a part of a class view
 * that never renders. Kept per statement text and offset in it: a keystroke re-asks it for every report of the module,
 * and each answer walks the tree (a method's earlier siblings in a class of a thousand lines).
 */
function unreachedInStatement(tree: Tree, top: TopLevelStatement, offset: number): boolean {
  const answers = IN_STATEMENT.answer(top, '', () => new Map<number, boolean>());
  let answer = answers.get(offset - top.start);
  if (answer === undefined) {
    const node = tree.rootNode.descendantForIndex(offset, offset);
    answer = (!!node && afterUnconditionalExit(node)) || unrenderedClassViewPart(top, offset);
    answers.set(offset - top.start, answer);
  }
  return answer;
}

const IN_STATEMENT = new StatementSlot<Map<number, boolean>>('unreached code per statement');

/** The offset is in a part of an undecorated class view that never renders (unrendered-views.ts). */
function unrenderedClassViewPart(top: TopLevelStatement, offset: number): boolean {
  if (top.type !== 'class_definition') return false;
  const bases = top.node.childForFieldName('superclasses')?.text ?? '';
  return /View\b|ViewSet\b|APIView\b/.test(bases) && unrenderedViewPart(top.node, offset);
}

/** A statement of a block that some earlier statement of the same block always leaves (up to its function). */
export function afterUnconditionalExit(node: Node): boolean {
  for (let n: Node | null = node; n && n.type !== 'module'; n = n.parent) {
    if (n.parent?.type === 'block') {
      for (let s = n.previousNamedSibling; s; s = s.previousNamedSibling) if (EXITS.has(s.type)) return true;
    }
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
  }
  return false;
}

const EXITS = new Set(['return_statement', 'raise_statement', 'continue_statement', 'break_statement']);

/** Bases of Django and DRF class-based views (generic, API and viewset classes, and views built on them). */
const VIEW_BASE = /^\(\s*(?:[\w.]+\.)?\w*(?:View|ViewSet|APIView)\s*[,)]/;

/**
 * Django models, managers and querysets declared directly on Django's classes, and Flask-SQLAlchemy models declared
 * on `db.Model` alone (their hooks are known: a mixin base, such as Flask-Login's UserMixin, may call others).
 */
const MODEL_BASES = /^\(\s*(?:models\.|auth_models\.|db\.)?(?:Model|Manager|QuerySet|BaseUserManager|AbstractUser|AbstractBaseUser)\s*(?:,\s*(?:models\.)?(?:PermissionsMixin|Model)\s*)?\)$/;

/** Methods Django (its admin, auth and serialisation) calls on models and managers without naming them in the project. */
const MODEL_HOOKS = new Set([
  'save', 'delete', 'clean', 'clean_fields', 'validate_unique', 'validate_constraints', 'full_clean', 'get_absolute_url',
  'natural_key', 'get_by_natural_key', 'get_queryset', 'create_user', 'create_superuser', 'has_perm', 'has_perms',
  'has_module_perms', 'get_full_name', 'get_short_name', 'get_username', 'get_session_auth_hash', 'get_email_field_name',
  'normalize_username', 'normalize_email', 'check', 'from_db', 'refresh_from_db', 'serializable_value', 'get_deferred_fields',
  'save_base', 'contribute_to_class', 'deconstruct', 'as_manager', 'is_authenticated', 'is_anonymous', 'set_password',
  'check_password', 'set_unusable_password', 'has_usable_password', 'email_user', 'get_next_in_order', 'get_previous_in_order',
  // Flask-Login and Flask-Security read these of the user model without the project naming them.
  'get_id', 'is_active', 'get_auth_token', 'get_security_payload', 'verify_auth_token',
]);
/** Decorators that only change how a method is read (others may register it). */
const PLAIN_DECORATOR = /^@(property|cached_property|functools\.cached_property|staticmethod|classmethod)\s*$/;

/** The offset sits in a method of the model class that nothing in the project calls or reads. */
function uncalledMethod(ctx: RuleContext, cls: Node, offset: number): boolean {
  const body = cls.childForFieldName('body');
  const member = body?.namedChildren.find((c) => c && c.startIndex <= offset && offset < c.endIndex);
  if (!member) return false;
  let method = member;
  if (member.type === 'decorated_definition') {
    if (!member.namedChildren.filter((c) => c?.type === 'decorator').every((d) => PLAIN_DECORATOR.test(d!.text))) return false;
    method = member.childForFieldName('definition') ?? member;
  }
  if (method.type !== 'function_definition') return false;
  const name = method.childForFieldName('name')?.text ?? '';
  if (!name || name.startsWith('__') || MODEL_HOOKS.has(name) || /^get_\w+_display$/.test(name)) return false;
  return unnamedElsewhere(ctx, name, true);
}
