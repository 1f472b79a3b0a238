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

  it('finds a method of a class held by its own name whose handles call only its siblings, and leaves a decorated handler', () => {
    const own = { ...layered, 'service.ts': layered['service.ts'].replace('IExceptionRepository', 'ExceptionRepository') };
    const a = callIn(own, 'repo.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), true);
    const nest = { 'c.ts': "@Controller('x') export class C { @Get() all() { return this.db.e.findMany({ all: 1 }); } }\n" };
    const b = callIn(nest, 'c.ts', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });

  const layers = {
    'repositories/book.js': "class BookRepository {\n  page() { return Book.find().limit(5); }\n  search(t) { return Book.find({ all: 1 }); }\n}\nmodule.exports = new BookRepository();\n",
    'services/book.js': "const BookRepository = require('../repositories/book');\nclass BookService {\n  list() { return BookRepository.page(); }\n  search(t) { return BookRepository.search(t); }\n}\nmodule.exports = new BookService();\n",
    'routes/books.js': "const BookService = require('../services/book');\nrouter.get('/', async (req, res) => res.json(await BookService.list()));\n",
  };

  it('follows an exported instance to the names its importers bind, and a call only unreached code makes', () => {
    const a = callIn(layers, 'repositories/book.js', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), true);
    const routed = { ...layers, 'routes/books.js': layers['routes/books.js'] + "router.get('/s', async (req, res) => res.json(await BookService.search(req.query.q)));\n" };
    const b = callIn(routed, 'repositories/book.js', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });

  it('finds a class of a module nothing imports beside an imported sibling, unless modules load by computed paths', () => {
    const unwired = {
      ...layers,
      'repositories/order.js': "class OrderRepository {\n  all() { return Order.find({ all: 1 }); }\n}\nmodule.exports = new OrderRepository();\n",
      'services/order.js': "const OrderRepository = require('../repositories/order');\nclass OrderService {\n  all() { return OrderRepository.all(); }\n}\nmodule.exports = new OrderService();\n",
    };
    const a = callIn(unwired, 'repositories/order.js', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), true);
    const loaded = { ...unwired, 'server.js': "for (const f of fs.readdirSync(dir)) require(path.join(dir, f));\n" };
    const b = callIn(loaded, 'repositories/order.js', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });

  it('stays unsure of a class resolved by value or read by a computed member name', () => {
    const own = { ...layered, 'service.ts': layered['service.ts'].replace('IExceptionRepository', 'ExceptionRepository') };
    const resolved = { ...own, 'main.ts': 'const repo = app.get(ExceptionRepository);\n' };
    const a = callIn(resolved, 'repo.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), false);
    const computed = { ...own, 'service.ts': own['service.ts'].replace('return this.exceptions.page();', 'this.exceptions.page(); return this.exceptions[kind]();') };
    const b = callIn(computed, 'repo.ts', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), false);
  });

  it('counts a method a framework hook calls as reached', () => {
    const hooked = {
      'plans.service.ts': 'export class PlansService {\n  onModuleInit() { return this.loadAll(); }\n  loadAll() { return this.db.plan.findMany({ all: 1 }); }\n  one(id) { return this.db.plan.findUnique({ where: { id } }); }\n}\n',
      'plans.controller.ts': 'class C { constructor(private readonly plans: PlansService) {}\n  get(id) { return this.plans.one(id); } }\n',
    };
    const a = callIn(hooked, 'plans.service.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), false);
  });

  it('counts a call through an untyped value where the interface is named, and not another class\'s this', () => {
    const providers = {
      'manual.ts': 'export class ManualProvider implements Provider {\n  quote(s) { return this.db.q.findUnique({ where: { s } }); }\n  search(q) { return this.db.p.findMany({ all: 1 }); }\n}\n',
      'data.service.ts': 'export class DataService { constructor(private readonly providers: Provider[], private readonly one: Provider) {}\n  quote(s) { return this.one.quote(s); }\n  search(q) { for (const p of this.providers) p.search(q); } }\n',
      'data.controller.ts': '@Controller() class C { constructor(private readonly data: DataService) {}\n  @Get() find(q) { return this.data.search(q); }\n  @Get() get(s) { return this.data.quote(s); } }\n',
    };
    const a = callIn(providers, 'manual.ts', 'all: 1');
    assert.equal(neverCalled(a.ctx, a.node), false);
    const own = {
      'cards.service.ts': 'export class CardsService {\n  one(id) { return this.db.c.findUnique({ where: { id } }); }\n  all() { return this.db.c.findMany({ all: 1 }); }\n}\n',
      'cards.controller.ts': 'class C { constructor(private readonly cards: CardsService) {}\n  get(id) { return this.cards.one(id); }\n  other() { return this.all(); } }\n',
    };
    const b = callIn(own, 'cards.service.ts', 'all: 1');
    assert.equal(neverCalled(b.ctx, b.node), true);
  });
});
