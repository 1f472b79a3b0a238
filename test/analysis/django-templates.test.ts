/**
 * The Django template parser and the template folders: loops, with/include bindings and variable reads with exact
 * offsets; comments and verbatim skipped; malformed templates degrade instead of throwing; template names resolved
 * through the settings' DIRS first, then the `templates/` folders.
 */
import * as assert from 'node:assert/strict';
import { parseTemplate, type TemplateNode } from '../../analysis/django-templates/parse';
import { TemplateFolders } from '../../analysis/django-templates/folders';
import { ModelIndex, modelsIn } from '../../analysis/django-templates/models';

/** Every read in the tree as its dotted text and the text at its offsets. */
function reads(nodes: readonly TemplateNode[], text: string, out: string[] = []): string[] {
  for (const n of nodes) {
    if (n.type === 'read') {
      const dotted = n.read.parts.map((p) => p.name).join('.');
      assert.equal(text.slice(n.read.start, n.read.end), dotted, 'offsets cover the dotted name');
      out.push(dotted);
    }
    if (n.type === 'for') {
      if (n.iterable) out.push(`for ${n.targets.join(',')} in ${n.iterable.parts.map((p) => p.name).join('.')}`);
      reads(n.body, text, out);
      reads(n.empty, text, out);
    }
    if (n.type === 'with') {
      out.push(`with ${n.bindings.map((b) => `${b.name}=${b.value.parts.map((p) => p.name).join('.')}`).join(' ')}`);
      reads(n.body, text, out);
    }
    if (n.type === 'block') reads(n.body, text, out);
    if (n.type === 'include') out.push(`include ${n.name} ${n.bindings.map((b) => b.name).join(',')}${n.only ? ' only' : ''}`);
  }
  return out;
}

describe('Django template parser', () => {
  it('reads loops, filters, tag arguments, with and include, with exact offsets', () => {
    const text = [
      '{% extends "base.html" %}{% load static %}',
      '{% block content %}',
      '{% for o in orders reversed %}',
      '  {{ o.customer.name|upper }} {{ o.tags.all|join:", " }} {{ o.total|default:o.fallback.value }}',
      '  {% if o.items.count > 2 and not o.closed %}{% url "order" o.pk as link %}{% endif %}',
      '  {% with c=o.customer total=o.items.count %}{{ c.name }}{% endwith %}',
      '  {% with o.customer as legacy %}{% endwith %}',
      '  {% include "row.html" with row=o only %}',
      '{% empty %}{{ nothing.here }}',
      '{% endfor %}',
      '{% for k, v in pairs.items %}{{ v.x }}{% endfor %}',
      '{% endblock %}',
    ].join('\n');
    const parsed = parseTemplate(text);
    assert.deepEqual(parsed.extends && text.slice(parsed.extends.start, parsed.extends.end), '{% extends "base.html" %}');
    assert.deepEqual(reads(parsed.nodes, text), [
      'for o in orders',
      'o.customer.name',
      'o.tags.all',
      'o.total',
      'o.fallback.value',
      'o.items.count',
      'o.closed',
      'o.pk',
      'with c=o.customer total=o.items.count',
      'c.name',
      'with legacy=o.customer',
      'include row.html row only',
      'o',
      'nothing.here',
      'for k,v in pairs.items',
      'v.x',
    ]);
  });

  it('skips comments, {% comment %} and {% verbatim %} blocks, literals and translations', () => {
    const text = '{# {{ a.b }} #}{% comment %}{{ c.d }}{% endcomment %}{% verbatim %}{{ e.f }}{% endverbatim %}{{ "x" }}{{ 3 }}{{ _("y") }}{{ g.h }}';
    assert.deepEqual(reads(parseTemplate(text).nodes, text), ['g.h']);
  });

  it('degrades on malformed templates: unclosed blocks end at the end, stray end tags and broken tags are ignored', () => {
    const samples = [
      '{% for o in orders %}{{ o.customer.name }}',
      '{% endfor %}{% endwith %}{% endblock %}{{ a.b }}',
      '{% for %}{% for in %}{% for x y %}{% with %}{% include %}{% extends %}',
      '{{ }}{{ | }}{{ a..b }}{{ .a }}{{ a|:x }}{% %}{%%}{{{{ x }}}}',
      '{% for o in orders %}\n{{ o.\ncustomer }}\n{% endfor',
      '{% if "unterminated }}{{ ok.read }}',
      '\u0000{% for \uffff in x %}{{ \ud800.y }}',
    ];
    for (const text of samples) {
      const parsed = parseTemplate(text);
      reads(parsed.nodes, text);
    }
    const unclosed = parseTemplate('{% for o in orders %}{{ o.customer.name }}');
    assert.equal(unclosed.nodes[0].type, 'for');
    assert.equal(reads(unclosed.nodes, '{% for o in orders %}{{ o.customer.name }}').length, 2);
  });

  it('closes nested blocks innermost first', () => {
    const text = '{% for o in orders %}{% for i in o.items.all %}{{ i.name }}{% endfor %}{{ o.after }}{% endfor %}{{ outside }}';
    const [outer, after] = parseTemplate(text).nodes;
    assert.equal(outer.type, 'for');
    assert.deepEqual(reads(outer.type === 'for' ? outer.body : [], text), ['for i in o.items.all', 'i.name', 'o.after']);
    assert.equal(after.type === 'read' && after.read.parts[0].name, 'outside');
  });

  it('parses a template of 5,000 loops', () => {
    const row = '{% for o in orders %}<tr><td>{{ o.customer.name|title }}</td>{% if o.paid %}<td>{{ o.total }}</td>{% endif %}</tr>{% endfor %}\n';
    const text = row.repeat(5000);
    const parsed = parseTemplate(text);
    assert.equal(parsed.nodes.filter((n) => n.type === 'for').length, 5000);
  });
});

describe('Django template folders and models', () => {
  it('resolves names through DIRS (relative to BASE_DIR) before app templates folders', () => {
    const files = ['config/settings.py', 'frontend/pages/shop/list.html', 'shop/templates/shop/list.html', 'shop/templates/shop/detail.html', 'shop/models.py'];
    const texts: Record<string, string> = {
      'config/settings.py': 'BASE_DIR = Path(__file__).resolve().parent.parent\nTEMPLATES = [{"DIRS": [BASE_DIR / "frontend" / "pages"], "APP_DIRS": True}]\n',
    };
    const folders = new TemplateFolders(files, (f) => texts[f]);
    assert.equal(folders.resolve('shop/list.html'), 'frontend/pages/shop/list.html');
    assert.equal(folders.resolve('shop/detail.html'), 'shop/templates/shop/detail.html');
    assert.equal(folders.resolve('shop/missing.html'), undefined);
  });

  it('reads relations, their reverse accessors and plain members from models.py', () => {
    const text = [
      'from django.conf import settings',
      'from django.db import models',
      '',
      'class Customer(models.Model):',
      '    name = models.CharField(max_length=10)',
      '    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)',
      '',
      '    @property',
      '    def label(self):',
      '        return self.name',
      '',
      'class Order(models.Model):',
      '    class Status(models.TextChoices):',
      '        PLACED = "placed"',
      '',
      '    customer = models.ForeignKey(',
      '        "shop.Customer", on_delete=models.CASCADE, related_name="orders"',
      '    )',
      '    tags = models.ManyToManyField("Tag")',
      '    parent = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, related_name="+")',
      '',
      '    class Meta:',
      '        ordering = ["-id"]',
      '',
      'class Tag(models.Model):',
      '    label = models.CharField(max_length=10)',
    ].join('\n');
    const index = new ModelIndex(modelsIn('shop/models.py', text));
    assert.deepEqual(index.member('Order', 'customer').relation, { kind: 'foreign-key', target: 'Customer' });
    assert.deepEqual(index.member('Customer', 'orders').relation, { kind: 'reverse-foreign-key', target: 'Order', field: 'customer' });
    assert.deepEqual(index.member('Order', 'tags').relation, { kind: 'many-to-many', target: 'Tag' });
    assert.deepEqual(index.member('Tag', 'order_set').relation, { kind: 'many-to-many', target: 'Order', field: 'tags' });
    assert.deepEqual(index.member('Customer', 'user').relation, { kind: 'one-to-one', target: undefined });
    assert.deepEqual(index.member('Customer', 'label'), { known: true });
    assert.equal(index.member('Order', 'ordering').known, false, 'Meta members are not model members');
    assert.equal(index.member('Order', 'order_set').known, false, 'related_name="+" has no reverse accessor');
    assert.equal(index.get('Order')?.app, 'shop');
  });
});
