/**
 * Whether a model's rows carry time (a creation stamp or a date of their own) and which fields point at a parent
 * (analysis/typescript/model-growth.ts over unique-keys.ts and prisma-schema.ts): what unbounded-query reads to judge
 * one parent's children and named catalogues.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { modelShape, prismaParentOf } from '../../analysis/typescript/model-growth';

function context(files: Record<string, string>, relPath: string): RuleContext {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  return { project, file: { relPath, text: files[relPath] ?? '' } } as unknown as RuleContext;
}

describe('TS model growth', () => {
  const ctx = context(
    {
      'prisma/schema.prisma':
        'model Lesson {\n  id Int @id\n  classId Int\n  class Class @relation(fields: [classId], references: [id])\n}\n' +
        'model Class {\n  id Int @id\n  name String @unique\n  lessons Lesson[]\n}\n' +
        'model Visit {\n  id Int @id\n  date DateTime\n}\n' +
        'model Note {\n  id Int @id\n  createdAt DateTime @default(now())\n}\n',
      'src/entities/track.entity.ts': '@Entity()\nexport class Track {\n  @PrimaryGeneratedColumn() id: number;\n  @ManyToOne(() => Album) album: Album;\n}\n',
      'src/entities/photo.entity.ts': '@Entity()\nexport class Photo {\n  @PrimaryGeneratedColumn() id: number;\n  @CreateDateColumn() createdAt: Date;\n}\n',
      'src/models/chapter.js': "const Chapter = sequelize.define('Chapter', { title: DataTypes.STRING }, { timestamps: false });\nconst Asset = sequelize.define('Asset', { url: DataTypes.STRING });\n",
      'src/models/episode.js': "const s = new mongoose.Schema({ film: { type: ObjectId, ref: 'Film' } });\nmodule.exports = mongoose.model('Episode', s);\n",
      'src/models/copy.js': "const c = new mongoose.Schema({ title: String }, { timestamps: true });\nmodule.exports = mongoose.model('Copy', c);\n",
      'src/models/event.js': "const e = new mongoose.Schema({ at: { type: Date } });\nmodule.exports = mongoose.model('Happening', e);\n",
      'src/routes/x.ts': '',
    },
    'src/routes/x.ts',
  );

  it('reads Prisma creation stamps and dates of the row, and the relation a key fills', () => {
    assert.equal(modelShape(ctx, 'prisma', 'lesson')!.stamped, false);
    assert.equal(modelShape(ctx, 'prisma', 'visit')!.stamped, true);
    assert.equal(modelShape(ctx, 'prisma', 'note')!.stamped, true);
    const lesson = modelShape(ctx, 'prisma', 'lesson')!.prisma!;
    assert.equal(prismaParentOf(lesson.schema, lesson.model, 'classId')?.name, 'Class');
    assert.equal(prismaParentOf(lesson.schema, lesson.model, 'id'), undefined);
  });

  it('reads TypeORM @CreateDateColumn and @ManyToOne', () => {
    const track = modelShape(ctx, 'typeorm', 'trackRepository')!;
    assert.equal(track.stamped, false);
    assert.deepEqual([...track.refs], ['album']);
    assert.equal(modelShape(ctx, 'typeorm', 'Photo')!.stamped, true);
  });

  it("stamps Sequelize models unless timestamps: false, and reads Mongoose timestamps, Date fields and refs", () => {
    assert.equal(modelShape(ctx, 'sequelize', 'Chapter')!.stamped, false);
    assert.equal(modelShape(ctx, 'sequelize', 'Asset')!.stamped, true);
    const episode = modelShape(ctx, 'mongoose', 'Episode')!;
    assert.equal(episode.stamped, false);
    assert.deepEqual([...episode.refs], ['film']);
    assert.equal(modelShape(ctx, 'mongoose', 'Copy')!.stamped, true);
    assert.equal(modelShape(ctx, 'mongoose', 'Happening')!.stamped, true);
    assert.equal(modelShape(ctx, 'mongoose', 'Unknown'), undefined);
  });
});
