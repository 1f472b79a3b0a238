/**
 * isPlainMigration (analysis/python/django-migrations.ts): the DRF model skips parsing a migration as Django writes it
 * (its class declares no model, serializer or manager), and parses every look-alike whose class could declare one.
 */
import * as assert from 'node:assert/strict';
import { isPlainMigration } from '../../analysis/python/django-migrations';

const DJANGO = [
  'from django.db import migrations, models',
  'import django.db.models.deletion',
  '',
  '',
  'def forwards(apps, schema_editor):',
  '    Recipe = apps.get_model("cookbook", "Recipe")',
  '',
  '',
  'class Migration(migrations.Migration):',
  '',
  '    initial = True',
  '',
  '    dependencies = [',
  '        ("cookbook", "0001_initial"),',
  '    ]',
  '',
  '    operations = [',
  '        migrations.AddField(',
  '            model_name="recipe",',
  '            name="space",',
  '            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="cookbook.space"),',
  '        ),',
  '        migrations.RunPython(forwards),',
  '    ]',
  '',
].join('\n');

describe('isPlainMigration: migrations the DRF model need not parse', () => {
  it('is true for the module Django writes (with a helper function above the class, CRLF too)', () => {
    assert.equal(isPlainMigration(DJANGO), true);
    assert.equal(isPlainMigration(DJANGO.replace(/\n/g, '\r\n')), true);
  });

  it('is false where the class could declare a model, a serializer or loading facts', () => {
    const lookAlikes = {
      'a field assigned in the class body': DJANGO.replace('    initial = True', '    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)'),
      'a manager assigned in the class body': DJANGO.replace('    initial = True', '    objects = RecipeManager()'),
      'a proxy flag': DJANGO.replace('    initial = True', '    proxy = True'),
      'a second class': `${DJANGO}\n\nclass Recipe(models.Model):\n    name = models.CharField(max_length=10)\n`,
      'a prefetch in the module': DJANGO.replace('apps.get_model("cookbook", "Recipe")', 'Recipe.objects.prefetch_related("steps")'),
      'another header': DJANGO.replace('class Migration(migrations.Migration):', 'class Migration(migrations.Migration, RecipeSerializer):'),
      'a docstring in the class body': DJANGO.replace('    initial = True', '    """Adds the space."""'),
      'no class': DJANGO.replace(/class Migration[^\n]*\n/, ''),
    };
    for (const [what, text] of Object.entries(lookAlikes)) assert.equal(isPlainMigration(text), false, what);
  });
});
