/**
 * table-writers.ts: which TS/JS tables only seeds and administrators add rows to.
 */
import * as assert from 'node:assert/strict';
import { modelStem, writtenOnlyByCurators } from '../../analysis/typescript/table-writers';
import type { RuleContext } from '../../rules/api';

function contextOf(files: Record<string, string>, current = Object.keys(files)[0]): RuleContext {
  const project = { files: () => Object.keys(files), readFile: (rel: string) => files[rel] };
  return { project, file: { relPath: current, text: files[current] } } as unknown as RuleContext;
}

const SCHEMA = `import { Prop, Schema } from '@nestjs/mongoose';
@Schema()
export class Product {
  @Prop() name: string;
}
`;

describe('table-writers', () => {
  it('reduces receivers to model stems and refuses generic ones', () => {
    assert.equal(modelStem('productModel'), 'product');
    assert.equal(modelStem('Categories'), 'category');
    assert.equal(modelStem('usersRepository'), 'user');
    assert.equal(modelStem('model'), undefined);
    assert.equal(modelStem('repo'), undefined);
  });

  it('follows an Express admin route to the controller that creates the rows', () => {
    const ctx = contextOf({
      'src/models/product.ts': `${SCHEMA}export const Product = model('Product', schema);\n`,
      'src/controllers/product.ts': `import { Product } from '../models/product';\nexport async function addProduct(req, res) { await Product.create(req.body); }\n`,
      'src/routes/product.ts': `import { addProduct } from '../controllers/product';\nrouter.post('/', isAdmin, addProduct);\n`,
    });
    assert.equal(writtenOnlyByCurators(ctx, 'Product'), true);
  });

  it('counts a route without an admin gate, or one letting another role through, as growth', () => {
    for (const gate of ['authenticate', 'staffOnly', "validateRole([Role.ADMIN, Role.USER])"]) {
      const ctx = contextOf({
        'src/models/product.ts': `${SCHEMA}export const Product = model('Product', schema);\n`,
        'src/controllers/product.ts': `import { Product } from '../models/product';\nexport async function addProduct(req, res) { await Product.create(req.body); }\n`,
        'src/routes/product.ts': `import { addProduct } from '../controllers/product';\nrouter.post('/', ${gate}, addProduct);\n`,
      });
      assert.equal(writtenOnlyByCurators(ctx, 'Product'), false, gate);
    }
  });

  it('treats a write with no model name as a write of every table', () => {
    const ctx = contextOf({
      'src/models/product.ts': `${SCHEMA}export const Product = model('Product', schema);\n`,
      'seeders/products.js': `Product.insertMany([{ name: 'a' }]);\n`,
      'src/routes/any.ts': `router.post('/:m', (req, res) => models[req.params.m].create(req.body));\n`,
    });
    assert.equal(writtenOnlyByCurators(ctx, 'Product'), false);
  });

  it('calls a table seeds alone fill a catalogue', () => {
    const ctx = contextOf({
      'src/models/product.ts': `${SCHEMA}export const Product = model('Product', schema);\n`,
      'seeders/products.js': `Product.insertMany([{ name: 'a' }]);\n`,
      'src/routes/order.ts': `router.post('/orders', (req, res) => Order.create(req.body));\n`,
    });
    assert.equal(writtenOnlyByCurators(ctx, 'Product'), true);
    assert.equal(writtenOnlyByCurators(ctx, 'Order'), false);
  });

  it('never calls the accounts a catalogue, even when only a script creates them', () => {
    const ctx = contextOf({
      'scripts/create-demo-user.js': `await prisma.user.create({ data: { email: 'demo@example.com' } });\n`,
      'src/routes/order.ts': `router.post('/orders', (req, res) => prisma.order.create({ data: req.body }));\n`,
    });
    assert.equal(writtenOnlyByCurators(ctx, 'User'), false);
  });

  it('does not take a test building rows for a seed', () => {
    const ctx = contextOf({
      'src/models/product.ts': `${SCHEMA}export const Product = model('Product', schema);\n`,
      'src/products/products.spec.ts': `const product = new Product();\n`,
      'src/routes/order.ts': `router.post('/orders', (req, res) => Order.create(req.body));\n`,
    });
    assert.equal(writtenOnlyByCurators(ctx, 'Product'), false);
  });
});
