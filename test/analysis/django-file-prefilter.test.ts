/**
 * Which modules are Django modules (isDjangoFile), and the text test the Django checks of n-plus-one and
 * unbounded-queryset ask before parsing (mayBeDjangoText): a module it rejects is never a Django module, so
 * skipping its parse loses no finding. A list's `self.objects.append(obj)` (distutils' ccompiler) is not a manager.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { djangoSignals, isDjangoFile, mayBeDjangoText } from '../../analysis/python/django-querysets';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

describe('Django module test and its text prefilter', () => {
  before(initParsers);

  it('takes a manager call or a models import for Django, and a list of objects for none', () => {
    const django = (text: string) => {
      const tree = parsePython(text);
      try {
        return isDjangoFile(tree, text);
      } finally {
        tree.delete();
      }
    };
    assert.equal(django('def f():\n    return Order.objects.filter(paid=True)\n'), true);
    assert.equal(django('def f():\n    return Order.objects.count()\n'), true);
    assert.equal(django('from shop.models import Order\n'), true);
    assert.equal(django('from django.db import models\n'), true);
    assert.equal(django('class C:\n    def add(self, o):\n        self.objects.append(o)\n        self.objects.extend([o])\n'), false);
    assert.equal(django('import os\n\ndef f(items):\n    return [i for i in items]\n'), false);
  });

  it('never rejects a module isDjangoFile accepts, over every Python fixture', () => {
    let django = 0;
    for (const dir of fs.readdirSync(FIXTURES)) {
      const folder = path.join(FIXTURES, dir);
      if (!fs.statSync(folder).isDirectory()) continue;
      for (const name of fs.readdirSync(folder)) {
        if (!name.endsWith('.py')) continue;
        const text = fs.readFileSync(path.join(folder, name), 'utf8');
        const tree = parsePython(text);
        try {
          // isDjangoFile's own answer without the prefilter (imports or text patterns) implies the prefilter's.
          if (!djangoSignals(tree, text)) continue;
          django++;
          assert.ok(mayBeDjangoText(text), `${dir}/${name}`);
        } finally {
          tree.delete();
        }
      }
    }
    assert.ok(django > 20, `only ${django} Django fixtures found`);
  });
});
