/**
 * request-created-models.ts: which SQLAlchemy models a project's request code adds rows of, in every way SQLAlchemy
 * adds them.
 */
import * as assert from 'node:assert/strict';
import { createdByRequests, createdIn } from '../../analysis/python/request-created-models';
import type { ProjectInfo } from '../../rules/api';

function created(files: Record<string, string>, model: string): boolean {
  const project = { files: () => Object.keys(files), readFile: (rel: string) => files[rel] } as unknown as ProjectInfo;
  const first = Object.keys(files)[0];
  return createdByRequests(project, { relPath: first, text: files[first] }, model);
}

describe('request-created-models', () => {
  it('reads session adds, merges, Core inserts and bulk mappings in request code', () => {
    const cases: Array<[string, string]> = [
      ['db.session.add(Item(name=n))', 'Item'],
      ['item = Item(name=n)\n    db.session.add(item)', 'Item'],
      ['item = models.Item(**data)\n    session.add(item)', 'Item'],
      ['session.merge(Item(name=n))', 'Item'],
      ['db.session.execute(insert(Item).values(name=n))', 'Item'],
      ['stmt = insert(Item).values(name=n).returning(Item)', 'Item'],
      ['conn.execute(Item.__table__.insert(), [{"name": n}])', 'Item'],
      ['session.bulk_insert_mappings(Item, rows)', 'Item'],
      ['hero = Hero.model_validate(data)\n    session.add(hero)', 'Hero'],
      ['hero = await Hero.from_orm(data)\n    session.add(hero)', 'Hero'],
    ];
    for (const [body, model] of cases) assert.deepEqual(createdIn(`def create(data, n):\n    ${body}\n`), [model], body);
  });

  it('reads an active-record model saving itself, through a module alias of the model', () => {
    assert.deepEqual(createdIn('def create_one(item):\n    return Note(**item.dict()).create()\n'), ['Note']);
    assert.deepEqual(createdIn('def add(data):\n    Note(body=data["body"], tags=list(data)).save()\n'), ['Note']);
    assert.deepEqual(createdIn('Model = Product\n\n\nasync def create_one(item):\n    return await Model(**item.dict()).create(schema)\n'), ['Product']);
    assert.deepEqual(createdIn('from app.models import Product as ProductModel\n\n\ndef add(session, d):\n    p = ProductModel(name=d)\n    session.add(p)\n'), ['Product']);
    // Converted first, saved by a method that is not the model's own save: not read as a row.
    assert.deepEqual(createdIn('def add(data):\n    CarIn(**data).to_orm()\n'), []);
  });

  it('follows an object built by a project converter to the model it returns', () => {
    const files = {
      'app/services.py': 'def add_car(db, car):\n    car_orm = car.to_orm()\n    db.add(car_orm)\n',
      'app/schemas.py': 'class Car(BaseModel):\n    def to_orm(self) -> CarRow:\n        return CarRow(name=self.name)\n',
    };
    assert.equal(created(files, 'CarRow'), true);
    // `CarIn(**data).to_orm()`: the chain's last call builds the row, not the schema's constructor.
    assert.equal(created({ ...files, 'app/services.py': 'def add_car(db, data):\n    row = CarIn(**data).to_orm()\n    db.add(row)\n' }, 'CarRow'), true);
    assert.equal(created({ ...files, 'app/services.py': 'def add_car(db, data):\n    row = CarIn(**data).to_orm()\n    db.add(row)\n' }, 'CarIn'), false);
  });

  it('does not count converters that are never added, or added only by seed scripts', () => {
    const converter = { 'app/schemas.py': 'class Car(BaseModel):\n    def to_orm(self) -> CarRow:\n        return CarRow(name=self.name)\n' };
    assert.equal(created({ 'app/views.py': 'def preview(car):\n    row = car.to_orm()\n    return row.name\n', ...converter }, 'CarRow'), false);
    assert.equal(created({ 'scripts/seed.py': 'def seed(db, car):\n    row = car.to_orm()\n    db.add(row)\n', ...converter }, 'CarRow'), false);
    assert.equal(created({ 'app/admin.py': 'def admin_add(db, car):\n    row = car.to_orm()\n    db.add(row)\n', ...converter }, 'CarRow'), false);
  });
});
