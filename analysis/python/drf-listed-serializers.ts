/**
 * The DRF serializers a project renders many rows with: `serializer_class = X` (or `return X` in
 * `get_serializer_class`) of a list view class (ListAPIView, ListCreateAPIView, ModelViewSet, ReadOnlyModelViewSet,
 * a ListModelMixin view), and `X(rows, many=True)` with the rows as first argument anywhere. A nested
 * `X(many=True)` field is left out (one record's children). Read with patterns from every module's text, once per
 * module version; the per-project answer is kept while no other file changed.
 */
import type { ProjectInfo } from '../../rules/api';
import { FileVersionSlot, ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';
import { classesOfText } from './project-classes';

const LIST_VIEW_BASE = /\b(ListAPIView|ListCreateAPIView|ModelViewSet|ReadOnlyModelViewSet|ListModelMixin)\b/;
const SERIALIZER_CLASS = /\bserializer_class\s*=\s*(?:\w+\.)*(\w+)/g;
const RETURNED_CLASS = /^([ \t]*)return\s+(?:\w+\.)*(\w*Serializer\w*)\s*$/;
/** A test for one object's action or a write (`self.action == "retrieve"`, `request.method == "POST"`): not the list. */
const SINGLE_ACTION = /\b(retrieve|create|update|partial_update|destroy)\b|["'](POST|PUT|PATCH|DELETE)["']/;
const LIST_ACTION = /["']list["']|["']GET["']/;
/** A test that the action is the list (`self.action == "list"`), not that it is not. */
const LIST_ACTION_IS = /^(?!.*(!=|\bnot\b)).*(==\s*["']list["']|["']list["']\s*==|\bin\s*[[({][^\])}]*["']list["'])/;
/** `OrderSerializer(orders, many=True)`: a positional first argument, then many=True in the same call. */
const MANY_CALL = /\b(\w*Serializer\w*)\(\s*(?![A-Za-z_]\w*\s*=[^=])[^()]*?(?:\([^()]*\)[^()]*?)*\bmany\s*=\s*True/g;
const OWN_MANY_CALL = /\bget_serializer\((?:[^()]|\([^()]*\))*\bmany\s*=\s*True/;
const SKIPPED_FOLDERS = /(^|\/)(node_modules|site-packages|\.venv|venv|migrations|tests?)\//;

const MODULE_LISTED = new FileVersionSlot<readonly string[]>('DRF: serializers a module lists with', 2000);
const LAST = new ProjectSlot<{ last?: { stamp: object; current: string; names: ReadonlySet<string> } }>('DRF: listed serializers', () => ({}));

/** The names of serializers a module renders many rows with. */
export function listedIn(text: string): string[] {
  const out = new Set<string>();
  if (!/Serializer/.test(text)) return [];
  for (const m of text.matchAll(MANY_CALL)) out.add(m[1]);
  if (LIST_VIEW_BASE.test(text)) {
    for (const cls of classesOfText(text).values()) {
      const header = /^class[^\n]*/.exec(cls)?.[0] ?? '';
      if (!LIST_VIEW_BASE.test(header)) continue;
      for (const m of cls.matchAll(SERIALIZER_CLASS)) out.add(m[1]);
      // A custom action listing through `self.get_serializer(rows, many=True)` renders whatever the fallback returns.
      for (const name of listReturns(cls, OWN_MANY_CALL.test(cls))) out.add(name);
    }
  }
  return [...out];
}

/**
 * The serializers `get_serializer_class()` returns, but for those under an `if` that tests for one object's action
 * or a write method (a retrieve or create serializer renders one row), and the fallback after an `if` that returns
 * the list action's own serializer (`if self.action == "list": return PostListSerializer` / `return PostSerializer`).
 */
function listReturns(cls: string, fallbackListed: boolean): string[] {
  const lines = cls.split('\n');
  const out: string[] = [];
  let listHandled = false;
  lines.forEach((line, i) => {
    if (/^\s*(async\s+)?def\s/.test(line)) listHandled = false;
    const m = RETURNED_CLASS.exec(line);
    if (!m) return;
    const indent = m[1].length;
    // The nearest `if`/`elif` above at a smaller indent.
    for (let j = i - 1; j >= 0; j--) {
      const above = /^([ \t]*)(\S.*)$/.exec(lines[j]);
      if (!above || above[1].length >= indent) continue;
      if (/^(if|elif)\b/.test(above[2]) && SINGLE_ACTION.test(above[2]) && !LIST_ACTION.test(above[2])) return;
      if (/^(if|elif)\b/.test(above[2]) && LIST_ACTION_IS.test(above[2])) {
        listHandled = true;
        out.push(m[2]);
        return;
      }
      break;
    }
    if (!listHandled || fallbackListed) out.push(m[2]);
  });
  return out;
}

/** Serializer names some module of the project (the analysed file's current text included) renders many rows with. */
export function listedSerializers(project: ProjectInfo, current: { relPath: string; text: string }): ReadonlySet<string> {
  const texts = projectTexts(project, current);
  const slot = LAST.get(project);
  const own = listedIn(current.text).join(',');
  if (slot.last && texts.stamp !== undefined && slot.last.stamp === texts.stamp && slot.last.current === own) return slot.last.names;
  const names = new Set<string>();
  for (const rel of texts.files) {
    if (!rel.endsWith('.py') || SKIPPED_FOLDERS.test(rel)) continue;
    const text = rel === current.relPath ? current.text : texts.text(rel);
    if (text === undefined) continue;
    for (const name of MODULE_LISTED.get(rel, text, () => listedIn(text))) names.add(name);
  }
  slot.last = texts.stamp === undefined ? undefined : { stamp: texts.stamp, current: own, names };
  return names;
}
