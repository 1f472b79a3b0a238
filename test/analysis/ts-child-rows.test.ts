/**
 * The line between one parent's few children and a stream on it (analysis/typescript/child-rows.ts): the child's own
 * name, a transaction parent, a person or a space as parent, a key naming who added each row, a read in time order.
 */
import * as assert from 'node:assert/strict';
import { Project, ts } from 'ts-morph';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { modelShape } from '../../analysis/typescript/model-growth';
import { childOfTransaction, contentSpace, ownName, participantKeyed, personParent, readInTimeOrder } from '../../analysis/typescript/child-rows';

function context(files: Record<string, string>, relPath: string): RuleContext {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  return { project, file: { relPath, text: files[relPath] ?? '' } } as unknown as RuleContext;
}

function firstCall(code: string): ts.CallExpression {
  const sf = new Project({ useInMemoryFileSystem: true }).createSourceFile('x.ts', code).compilerNode;
  let found: ts.CallExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (!found && ts.isCallExpression(n) && /\.(findMany|find|findAll)$/.test(n.expression.getText())) found = n;
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found!;
}

describe('TS child rows', () => {
  it('names a child without its parent\'s words', () => {
    assert.equal(ownName('OrderVoucher', 'order'), 'voucher');
    assert.equal(ownName('RatingMaterial', 'ratingReply'), 'material');
    assert.equal(ownName('EventTodo', 'Event'), 'todo');
    assert.equal(ownName('Order', 'order'), 'Order');
  });

  it('bounds the children of one transaction, not its stream', () => {
    assert.equal(childOfTransaction('order', 'OrderVoucher'), true);
    assert.equal(childOfTransaction('booking', 'Payment'), true);
    assert.equal(childOfTransaction('order', 'OrderMessage'), false);
    assert.equal(childOfTransaction('order', 'DeliveryTracking'), false);
    assert.equal(childOfTransaction('product', 'ProductImage'), false);
  });

  it('tells people and spaces from other parents', () => {
    assert.equal(personParent('user'), true);
    assert.equal(personParent('renter'), true);
    assert.equal(personParent('product'), false);
    assert.equal(contentSpace('chanel'), false);
    assert.equal(contentSpace('channel'), true);
    assert.equal(contentSpace('album'), true);
    assert.equal(contentSpace('tour'), false);
  });

  it('reads a key naming who added each row, not an audit column', () => {
    const ctx = context(
      {
        'prisma/schema.prisma':
          'model User {\n  id String @id\n}\n' +
          'model Product {\n  id String @id\n}\n' +
          'model ProductImage {\n  id String @id\n  productId String\n  createdBy String\n  createdAt DateTime @default(now())\n  User User @relation(fields: [createdBy], references: [id])\n  Product Product @relation(fields: [productId], references: [id])\n}\n' +
          'model Question {\n  id String @id\n  productId String\n  authorId String\n  author User @relation(fields: [authorId], references: [id])\n  createdAt DateTime @default(now())\n}\n',
        'src/models/checkout.js': "const c = new mongoose.Schema({ book_id: { type: ObjectId, ref: 'Book' }, renter_id: { type: ObjectId, ref: 'User' } }, { timestamps: true });\nmodule.exports = mongoose.model('Checkout', c);\n",
        'src/routes/x.ts': '',
      },
      'src/routes/x.ts',
    );
    assert.equal(participantKeyed(modelShape(ctx, 'prisma', 'productImage')!, 'productId'), false);
    assert.equal(participantKeyed(modelShape(ctx, 'prisma', 'question')!, 'productId'), true);
    assert.equal(participantKeyed(modelShape(ctx, 'mongoose', 'Checkout')!, 'book_id'), true);
  });

  it('reads time order in every ORM\'s spelling', () => {
    assert.equal(readInTimeOrder(firstCall("prisma.note.findMany({ where: { a }, orderBy: { createdAt: 'desc' } })")), true);
    assert.equal(readInTimeOrder(firstCall("Note.findAll({ where: { a }, order: [['created_at', 'DESC']] })")), true);
    assert.equal(readInTimeOrder(firstCall('Note.find({ a }).sort({ createdAt: -1 })')), true);
    assert.equal(readInTimeOrder(firstCall("prisma.step.findMany({ where: { recipeId }, orderBy: { position: 'asc' } })")), false);
    assert.equal(readInTimeOrder(firstCall('prisma.step.findMany({ where: { recipeId } })')), false);
  });
});
