/**
 * Code nothing in the project calls (analysis/typescript/uncalled.ts): a controller function no router mounts beside
 * mounted siblings, a repository method no caller of its interface uses.
 */
import * as assert from 'node:assert/strict';
import { ts } from 'ts-morph';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { neverCalled } from '../../analysis/typescript/uncalled';

function callIn(files: Record<string, string>, relPath: string, marker: string): { ctx: RuleContext; node: ts.Node } {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  const text = files[relPath];
  const sf = ts.createSourceFile(relPath, text, ts.ScriptTarget.Latest, true, /\.js$/.test(relPath) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const at = text.indexOf(marker);
  let node: ts.Node = sf;
  const visit = (n: ts.Node): void => {
    if (n.getStart() <= at && at < n.getEnd()) {
      node = n;
      ts.forEachChild(n, visit);
    }
  };
  visit(sf);
  return { ctx: { project, file: { relPath, text } } as unknown as RuleContext, node };
}

describe('TS uncalled code', () => {
  const express = {
    'controllers/film.js': 'exports.list = async (req, res) => { res.send(await Film.findAll()); };\nexports.old = async (req, res) => { res.send(await Film.findAll({ all: 1 })); };\n',
    'routes/index.js': "const { list } = require('../controllers/film');\nrouter.get('/films', list);\n",
  };

  it('finds an exported controller function no module names while a sibling is mounted', () => {
    const { ctx, node } = callIn(express, 'controllers/film.js', 'all: 1');
    assert.equal(neverCalled(ctx, node), true);
    const mounted = callIn(express, 'controllers/film.js', 'Film.findAll()');
    assert.equal(neverCalled(mounted.ctx, mounted.node), false);
  });

  it('stays unsure of a module none of whose exports is named elsewhere', () => {
    const { ctx, node } = callIn({ 'controllers/film.js': express['controllers/film.js'] }, 'controllers/film.js', 'all: 1');
    assert.equal(neverCalled(ctx, node), false);
  });

  const layered = {
    'repo.ts': 'export class ExceptionRepository implements IExceptionRepository {\n  page() { return this.db.e.findMany({ take: 5 }); }\n  find() { return this.db.e.findMany({ all: 1 }); }\n}\n',
    'service.ts': 'class S { constructor(private readonly exceptions: IExceptionRepository) {}\n  list() { return this.exceptions.page(); } }\n',
  };

  it('finds a method no caller of the interface the class is held by uses', () => {
    const { ctx, node } = callIn(layered, 'repo.ts', 'all: 1');
    assert.equal(neverCalled(ctx, node), true);
  });

  it('finds a method of a class held by its own name that only the tests call', () => {
    const own = {
      'cards.service.ts': 'export class CardsService {\n  one(id) { return this.db.c.findUnique({ where: { id } }); }\n  all() { return this.db.c.findMany({ all: 1 }); }\n}\n',
      'cards.controller.ts': 'class C { constructor(private readonly cards: CardsService) {}\n  get(id) { return this.cards.one(id); } }\n',
      'cards.service.spec.ts': 'let service: CardsService;\nit("lists", () => service.all());\n',
    };
    const a = callIn(own, 'cards.service.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), true);
    const served = { ...own, 'cards.controller.ts': own['cards.controller.ts'].replace('this.cards.one(id)', 'this.cards.all()') };
    const b = callIn(served, 'cards.service.ts', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });

  it('leaves a class held by its own name, and a decorated handler, to their files', () => {
    const own = { ...layered, 'service.ts': layered['service.ts'].replace('IExceptionRepository', 'ExceptionRepository') };
    const a = callIn(own, 'repo.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), false);
    const nest = { 'c.ts': "@Controller('x') export class C { @Get() all() { return this.db.e.findMany({ all: 1 }); } }\n" };
    const b = callIn(nest, 'c.ts', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });
});
