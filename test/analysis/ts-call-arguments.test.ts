/**
 * What the callers of a named function pass it across the project (analysis/typescript/call-arguments.ts): what
 * unbounded-query reads to know a role filter from a parameter only ever selects administrators.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { argumentsPassedTo } from '../../analysis/typescript/call-arguments';

function context(files: Record<string, string>, relPath: string): RuleContext {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  return { project, file: { relPath, text: files[relPath] ?? '' } } as unknown as RuleContext;
}

describe('TS call arguments', () => {
  const ctx = context(
    {
      'src/users.repository.ts': 'export class Users {\n  findByRole(role: Role, tx = this.db) {\n    return tx.user.findMany({ where: { role } });\n  }\n  findWithRole(role: Role): Promise<User[]> {\n    return prisma.user.findMany({ where: { role } });\n  }\n}\n',
      'src/admin.service.ts': 'const admins = await this.users.findByRole(Role.ADMIN);\nconst more = await users.findByRole(Role.ADMIN, tx);\nawait users.findWithRole(Role.ADMIN);\n',
      'src/user.controller.ts': "const list = await users.findWithRole(req.params.role as any);\n",
      'test/users.spec.ts': "users.findByRole('USER');\n",
    },
    'src/users.repository.ts',
  );

  it('collects the argument of every call, skipping the declaration and tests', () => {
    assert.deepEqual(argumentsPassedTo(ctx, 'findByRole', 0), ['Role.ADMIN', 'Role.ADMIN']);
  });

  it('knows nothing when an argument is an expression or no call exists', () => {
    assert.equal(argumentsPassedTo(ctx, 'findWithRole', 0), undefined);
    assert.equal(argumentsPassedTo(ctx, 'neverCalled', 0), undefined);
  });
});
