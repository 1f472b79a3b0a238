/**
 * line-outline.ts: placing a line in its enclosing `def` by the outline's parents gives what the line-by-line walk
 * up gives, on every line (comments and blank lines at any indentation, signatures over several lines, decorators,
 * nested defs and classes, closing brackets alone on a line).
 */
import * as assert from 'node:assert/strict';
import { lineOutline } from '../../analysis/python/line-outline';
import { enclosingFunction } from '../../analysis/python/request-created-models';

const MODULE = `import os
# a comment at column 0

@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    model = Plan

    @action(detail=True)
    def publish(
        self,
        request,
        pk=None,
    ):
        plan = Plan(name="x")
  # a comment less indented than the body
        if not request.user.is_staff:
            raise PermissionDenied()
        def inner(x):
            return Plan.objects.create(
                name=x,
            )
        plan.save()

    def get_queryset(self) -> QuerySet[Plan]:
        return Plan.objects.all()


def service(a,
            b):
    rows = [
        Row(a),
    ]
    return rows
`;

describe('line-outline', () => {
  it('gives every line the enclosing def of the walk up, line by line', () => {
    const lines = MODULE.split('\n');
    const outline = lineOutline(lines);
    for (let at = 0; at < lines.length; at++) {
      assert.deepEqual(enclosingFunction(lines, at, outline), enclosingFunction(lines, at), `line ${at + 1}: ${lines[at]}`);
    }
  });

  it('points each line at the nearest code line above indented less', () => {
    const lines = ['class A:', '    x = 1', '', '    # note', '    def f(self):', '        return 1', 'y = 2'];
    // (the blank line has no indentation: nothing above is indented less)
    assert.deepEqual([...lineOutline(lines).up], [-1, 0, -1, 0, 0, 4, -1]);
  });
});
