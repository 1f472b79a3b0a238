/**
 * Which columns name one row, as a project's model declarations say (analysis/typescript/unique-keys.ts): what
 * unbounded-query reads to know a list read by such a column matches one row.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { uniqueKeysOf } from '../../analysis/typescript/unique-keys';

function context(files: Record<string, string>, relPath: string): RuleContext {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  return { project, file: { relPath, text: files[relPath] ?? '' } } as unknown as RuleContext;
}

describe('TS unique keys of models', () => {
  const ctx = context(
    {
      'prisma/schema.prisma': 'model Vote {\n  id Int @id\n  code String @unique\n  pollId Int\n  userId Int\n  @@unique([pollId, userId], name: "one_vote")\n}\n',
      'src/entities/user.entity.ts':
        "@Entity()\n@Unique(['tenant', 'handle'])\n@Index(['region', 'code'], { unique: true })\nexport class User {\n  @PrimaryGeneratedColumn('uuid') id: string;\n  @Column({ unique: true }) email: string;\n  @Index({ unique: true }) @Column() ref: string;\n  @Column() city: string;\n}\n",
      'src/models/shop.js':
        "const Shop = sequelize.define('Shop', { code: { type: DataTypes.STRING, unique: 'shop_code' }, name: DataTypes.STRING }, { indexes: [{ unique: true, fields: ['ownerId', 'name'] }] });\n",
      'src/models/plan.ts': 'class Plan extends Model {}\nPlan.init({ slug: { type: DataTypes.STRING, primaryKey: true }, tier: DataTypes.STRING }, { sequelize });\n',
      'src/models/device.js':
        "const deviceSchema = new mongoose.Schema({ serial: { type: String, unique: true }, site: String, slot: Number });\ndeviceSchema.index({ site: 1, slot: 1 }, { unique: true });\nmodule.exports = mongoose.model('Device', deviceSchema);\n",
      'src/entities/coupon.ts':
        "export const CouponEntity = new EntitySchema({ name: 'Coupon', columns: { id: { type: Number, primary: true, generated: true }, code: { type: String, unique: true } }, uniques: [{ name: 'one_per_shop', columns: ['shopId', 'label'] }] });\n",
      'src/products/product.schema.ts': "@Schema()\nexport class Product {\n  @Prop({ required: true, unique: true }) sku: string;\n  @Prop() name: string;\n}\n",
      'src/models/ticket.ts':
        "const TicketSchema = new Schema<ITicket>({ code: { type: String, unique: true }, showId: { type: Schema.Types.ObjectId, ref: 'Show' } }, { timestamps: true });\nexport const Ticket = mongoose.models.Ticket || mongoose.model<ITicket>('Ticket', TicketSchema);\n",
      'src/models/board.ts':
        "const BoardSchema = new Schema<IBoard>({ slug: { type: String, unique: true }, createdAt: { type: String, default: () => new Date().toISOString() } });\nexport const Board = mongoose.model<IBoard>('Board', BoardSchema);\n",
      'src/routes/x.ts': '',
    },
    'src/routes/x.ts',
  );

  it('reads a Mongoose schema written in its TypeScript form, new Schema<ITicket>(...)', () => {
    const keys = uniqueKeysOf(ctx, 'mongoose', 'Ticket');
    assert.deepEqual([...keys!.unique], ['code']);
    assert.equal(keys!.stamped, true);
    assert.ok(keys!.fields?.has('showId'));
    // a creation time kept as text is still a creation stamp
    assert.equal(uniqueKeysOf(ctx, 'mongoose', 'Board')!.stamped, true);
  });

  it('reads Prisma @id, @unique and @@unique', () => {
    const keys = uniqueKeysOf(ctx, 'prisma', 'vote');
    assert.deepEqual([...keys!.unique].sort(), ['code', 'id']);
    assert.deepEqual(keys!.compounds, [['pollId', 'userId']]);
  });

  it('reads TypeORM primary and unique columns and class-level unique constraints, by entity or repository name', () => {
    const keys = uniqueKeysOf(ctx, 'typeorm', 'usersRepository');
    assert.deepEqual([...keys!.unique].sort(), ['email', 'id', 'ref']);
    assert.deepEqual(keys!.compounds, [['tenant', 'handle'], ['region', 'code']]);
  });

  it('reads Sequelize define and init attributes and unique indexes', () => {
    const shop = uniqueKeysOf(ctx, 'sequelize', 'Shop');
    assert.deepEqual([...shop!.unique], ['code']);
    assert.deepEqual(shop!.compounds, [['ownerId', 'name']]);
    assert.deepEqual([...uniqueKeysOf(ctx, 'sequelize', 'Plan')!.unique], ['slug']);
  });

  it('reads Mongoose unique paths and unique compound indexes under the model name', () => {
    const keys = uniqueKeysOf(ctx, 'mongoose', 'Device');
    assert.deepEqual([...keys!.unique], ['serial']);
    assert.deepEqual(keys!.compounds, [['site', 'slot']]);
  });

  it('reads TypeORM entity schemas and Nest Mongoose @Schema classes', () => {
    const coupon = uniqueKeysOf(ctx, 'typeorm', 'couponRepository');
    assert.deepEqual([...coupon!.unique].sort(), ['code', 'id']);
    assert.deepEqual(coupon!.compounds, [['shopId', 'label']]);
    assert.deepEqual([...uniqueKeysOf(ctx, 'mongoose', 'productModel')!.unique], ['sku']);
  });

  it('knows nothing of a model the project does not declare', () => {
    assert.equal(uniqueKeysOf(ctx, 'typeorm', 'Invoice'), undefined);
  });
});
