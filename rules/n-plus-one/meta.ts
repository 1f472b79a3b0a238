/**
 * n-plus-one's meta, owned once by its folder: the id, severity and message ids of both implementations (python.ts,
 * with python-drf.ts, python-sqlalchemy.ts and django-templates.ts; typescript.ts with typescript-relations.ts).
 * Each adds its file kinds, trigger, fix safety and docs.
 */
import type { RuleMeta, RuleOption } from '../api';
import { fillTemplate } from '../shared/message-templates';

export const N_PLUS_ONE_MESSAGES = {
  // Django: a loop over a queryset.
  fk: 'Queries once per row for {{read}} (N+1): add .select_related("{{path}}")',
  'fk-prefetch': 'Queries once per row for {{read}} (N+1): add .prefetch_related("{{path}}")',
  reverse: 'Queries once per row for {{read}} (N+1): add .prefetch_related("{{path}}")',
  count: 'Runs one COUNT query per {{row}} for {{read}}.count(): annotate with Count()',
  exists: 'Runs one EXISTS query per {{row}} for {{read}}.exists(): annotate with Exists()',
  'manager-call': 'Runs one extra query per {{row}} for {{call}}(...): prefetch them once',
  'keyed-query': '{{call}}(...) runs once per {{row}} of the loop (N+1): query all rows at once',
  'getattr-fk': 'N+1: getattr() by name loads {{keys}} per row; add .select_related({{paths}})',
  // DRF: a serializer field of a list view's rows (`-short`: the same finding with long names).
  'serializer-fk': 'Each row of {{view}} queries {{read}} separately: add select_related("{{path}}")',
  'serializer-prefetch': 'Each row of {{view}} queries {{read}} separately: add prefetch_related("{{path}}")',
  'serializer-count': 'Each row of {{view}} runs {{read}}.count() separately: add prefetch_related("{{path}}")',
  'serializer-exists': 'Each row of {{view}} runs {{read}}.exists() separately: add prefetch_related("{{path}}")',
  'serializer-call': 'Each row of {{view}} runs {{read}}.{{call}}() separately: prefetch them once',
  'serializer-keyed-query': '{{serializer}}.{{method}}() runs {{call}}(...) once per listed row (N+1)',
  'serializer-fk-short': "N+1 in {{view}}'s rows: add select_related(\"{{path}}\")",
  'serializer-prefetch-short': "N+1 in {{view}}'s rows: add prefetch_related(\"{{path}}\")",
  // Django templates: the read in the template, and its twin on the view's queryset (with the fix).
  'in-template': 'N+1: {{read}} queries per row; add {{fix}} in {{view}}',
  'view-template': 'N+1 in {{template}}: {{read}} queries per row; add {{fix}}',
  'model-method-call': '{{call}} runs {{query}} once per row (N+1)',
  'template-model-query': 'N+1: {{read}} runs self.{{manager}}.{{call}}() once per row',
  // SQLAlchemy.
  'lazy-load': 'Lazy-loads {{read}} once per row (N+1): add .options({{option}})',
  'lazy-dynamic': '{{read}} is a dynamic relationship: it runs one query per row (N+1)',
  // marshmallow: a schema's nested fields over the rows of a Flask-Smorest list view.
  'schema-lazy': '{{schema}}(many=True) lazy-loads {{reads}} once per row (N+1)',
  // FastAPI: a list response model's fields over the rows a route returns.
  'response-model-lazy': 'Response model list[{{schema}}] lazy-loads {{reads}} once per row (N+1)',
  // TypeScript/JavaScript ORMs.
  'query-per-row': '{{call}}() runs once per row, 1 + N queries per request: batch it into one',
  'lazy-relation': 'await {{read}} runs one query per row (N+1): load it with relations on the find',
  'association-getter': '{{call}} runs one query per row (N+1): include the association in the findAll',
  'association-count': '{{call}} runs one query per row (N+1): count them in one grouped query',
};

export type NPlusOneMessageId = keyof typeof N_PLUS_ONE_MESSAGES;

export const N_PLUS_ONE_OPTIONS: Record<string, RuleOption> = {
  smallPageSize: {
    type: 'number',
    default: 5,
    description:
      'A list paged at most this many rows at a time, by a literal size the client cannot raise (Django `paginate_by`), ' +
      'is not reported: its per-row queries are a handful a page.',
  },
};

/** What both implementations' meta share. */
export const nPlusOneMeta = {
  id: 'n-plus-one',
  defaultSeverity: 'warning',
  options: N_PLUS_ONE_OPTIONS,
  messages: N_PLUS_ONE_MESSAGES,
} satisfies Pick<RuleMeta, 'id' | 'defaultSeverity' | 'options' | 'messages'>;

/** The largest page whose per-row queries are a handful (the rule's `smallPageSize`). */
export function smallPageSize(options: Readonly<Record<string, unknown>>): number {
  const value = options.smallPageSize;
  return typeof value === 'number' && Number.isFinite(value) ? value : 5;
}

/** The headline a report will show, to fit it to the Problems panel's line before reporting. */
export function headlineText(messageId: NPlusOneMessageId, data: Readonly<Record<string, string | number>>): string {
  return fillTemplate(N_PLUS_ONE_MESSAGES[messageId], data, messageId);
}
