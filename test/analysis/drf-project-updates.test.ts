/**
 * The DRF project model skips the loop over every module when another file of an unchanged project is checked (a
 * batch scan checks each file in turn): its facts must stay those a full update gives, including when the last
 * checked file's own text differed from the project's copy, and a changed project must be read again.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo } from '../../rules/api';
import { trackProjectChanges } from '../../analysis/cache';
import { drfProject } from '../../analysis/python/drf';
import { initParsers, parsePython } from '../../server/src/engine/parsers';

const MODELS = 'from django.db import models\n\n\nclass Order(models.Model):\n    status = models.CharField(max_length=20)\n';
const SERIALIZERS = 'from rest_framework import serializers\n\n\nclass OrderSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Order\n        fields = ["status"]\n';
const EXTRA = `${SERIALIZERS}\n\nclass ExtraSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Order\n        fields = ["status"]\n`;
const VIEWS = 'from rest_framework import generics\n\n\nclass OrderList(generics.ListAPIView):\n    serializer_class = OrderSerializer\n';

function trackedProject(files: Record<string, string>) {
  const texts = new Map(Object.entries(files));
  let changes = 0;
  let list = [...texts.keys()];
  const project: ProjectInfo = { files: () => list, readFile: (rel) => texts.get(rel) };
  trackProjectChanges(project, () => changes);
  return {
    project,
    edit(rel: string, text: string) {
      if (!texts.has(rel)) list = [...list, rel];
      texts.set(rel, text);
      changes++;
    },
    check(rel: string, text = texts.get(rel)!) {
      return drfProject(project, { relPath: rel, text, tree: parsePython(text) });
    },
  };
}

describe('DRF project model: updates for other files of an unchanged project', () => {
  before(() => initParsers());

  it('gives the facts of a full update, also after a file checked with its own unsaved text', () => {
    const ws = trackedProject({ 'models.py': MODELS, 'serializers.py': SERIALIZERS, 'views.py': VIEWS });
    ws.check('views.py');
    // serializers.py checked with a text the project does not have (an editor's buffer): its own facts count then...
    assert.ok(ws.check('serializers.py', EXTRA).serializer('ExtraSerializer'));
    // ...and the project's copy once another file is checked.
    const after = ws.check('views.py');
    assert.equal(after.serializer('ExtraSerializer'), undefined);
    assert.ok(after.serializer('OrderSerializer'));
    assert.ok(after.models.has('Order'));
  });

  it('reads a changed module again', () => {
    const ws = trackedProject({ 'models.py': MODELS, 'serializers.py': SERIALIZERS, 'views.py': VIEWS });
    ws.check('views.py');
    assert.equal(ws.check('models.py').models.has('Invoice'), false);
    ws.check('serializers.py');
    ws.edit('models.py', `${MODELS}\n\nclass Invoice(models.Model):\n    total = models.IntegerField()\n`);
    assert.equal(ws.check('views.py').models.has('Invoice'), true);
    ws.edit('extra_serializers.py', EXTRA.replace('OrderSerializer', 'OtherSerializer'));
    assert.ok(ws.check('serializers.py').serializer('ExtraSerializer'));
  });
});
