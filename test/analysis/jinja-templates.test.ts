/**
 * The Jinja reader behind n-plus-one's Flask template check: loops, includes and every dotted name a template reads,
 * with offsets, in the Jinja forms Django's parser cannot read (`or` expressions, filters with arguments, calls).
 */
import * as assert from 'node:assert/strict';
import { parseJinja, type JinjaNode } from '../../analysis/flask-templates/jinja';

function reads(nodes: readonly JinjaNode[], out: string[] = []): string[] {
  for (const n of nodes) {
    if (n.type === 'read') out.push(n.parts.map((p) => p.name).join('.'));
    if (n.type === 'for') reads(n.body, out);
  }
  return out;
}

describe('Jinja reader', () => {
  it('reads dotted names in expressions, skipping strings, filters, tests and keyword names', () => {
    const text = '{{ t.category.name or "-" }} {{ "%.2f"|format(t.amount) }} {% if x is defined and o.customer %}{% endif %} {{ items|sort(attribute="a.b") }}';
    assert.deepEqual(reads(parseJinja(text).nodes), ['t.category.name', 't.amount', 'x', 'o.customer', 'items']);
  });

  it('scopes a for loop, its iterable and body, and keeps offsets', () => {
    const text = '{% for order in orders.items if order.paid %}<td>{{ order.customer.name }}</td>{% endfor %}{% include "row.html" %}';
    const parsed = parseJinja(text);
    const loop = parsed.nodes.find((n) => n.type === 'for');
    assert.ok(loop && loop.type === 'for');
    assert.deepEqual(loop.targets, ['order']);
    assert.deepEqual(loop.iterable?.map((p) => p.name), ['orders', 'items']);
    const read = loop.body[0];
    assert.ok(read.type === 'read');
    assert.equal(text.slice(read.parts[1].start, read.parts[1].end), 'customer');
    assert.ok(parsed.nodes.some((n) => n.type === 'include' && n.name === 'row.html'));
  });

  it('reads nothing inside raw blocks and comments, and survives an unclosed loop', () => {
    const text = '{% raw %}{{ a.b }}{% endraw %}{# {{ c.d }} #}{% for x in rows %}{{ x.y }}';
    assert.deepEqual(reads(parseJinja(text).nodes), ['x.y']);
  });
});
