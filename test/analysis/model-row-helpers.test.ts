/**
 * model-row-helpers.ts: which helper bodies return every row of the model a parameter (or `cls.model`) names.
 */
import * as assert from 'node:assert/strict';
import { everyRowOf } from '../../analysis/python/model-row-helpers';

describe('model-row-helpers everyRowOf', () => {
  it('reads the ways SQLAlchemy loads a whole table of a parameter model', () => {
    const every: Array<[string, string]> = [
      ['def f(session, model):\n    return session.scalars(select(model)).all()\n', 'model'],
      ['def f(db, model):\n    return db.query(model).all()\n', 'model'],
      ['async def f(session, model):\n    result = await session.execute(select(model))\n    return result.scalars().all()\n', 'model'],
      ['def f(model):\n    return model.query.all()\n', 'model'],
      ['async def f(cls):\n    res = await s.execute(select(cls.model_class()))\n    return [i for i in res.scalars()]\n', 'cls'],
      ['def f(cls):\n    q = select(cls.model.__table__.columns)\n    return s.execute(q).mappings().all()\n', 'cls.model'],
      ['def f(self):\n    """All rows. Use .limit() elsewhere."""\n    return self.db.query(self.model).all()\n', 'self.model'],
    ];
    for (const [text, param] of every) assert.equal(everyRowOf(text, param), true, text);
  });

  it('stays quiet on bounded, filtered, counted or other-model bodies', () => {
    const bounded: Array<[string, string]> = [
      ['def f(db, model, skip=0, limit=100):\n    return db.query(model).offset(skip).limit(limit).all()\n', 'model'],
      ['def f(db, model, **kw):\n    return db.query(model).filter_by(**kw).all()\n', 'model'],
      ['def f(db, model):\n    return len(db.query(model).all())\n', 'model'],
      ['def f(db, model):\n    return db.query(model).first()\n', 'model'],
      ['def f(db, model):\n    return db.query(Order).all()\n', 'model'],
      ['def f(db, model):\n    db.query(model).all()\n', 'model'],
    ];
    for (const [text, param] of bounded) assert.equal(everyRowOf(text, param), false, text);
    // Optional filters the call leaves empty filter nothing.
    assert.equal(everyRowOf('def f(db, model, **kw):\n    return db.query(model).filter_by(**kw).all()\n', 'model', 'kw'), true);
  });
});
