/**
 * Places a parent row declares (analysis/typescript/parent-capacity.ts): what bounds one parent's tickets, bookings
 * and registrations for unbounded-query.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo, RuleContext } from '../../rules/api';
import { boundedByParentCapacity } from '../../analysis/typescript/parent-capacity';

function context(files: Record<string, string>, relPath: string): RuleContext {
  const project: ProjectInfo = { files: () => Object.keys(files), readFile: (rel) => files[rel] };
  return { project, file: { relPath, text: files[relPath] ?? '' } } as unknown as RuleContext;
}

describe('TS parent capacity', () => {
  const ctx = context(
    {
      'prisma/schema.prisma':
        'model Event {\n  id String @id\n  maxParticipants Int?\n  tickets Ticket[]\n}\nmodel Ticket {\n  id String @id\n  createdAt DateTime @default(now())\n  eventId String\n  event Event @relation(fields: [eventId], references: [id])\n}\nmodel Channel {\n  id String @id\n  tickets Ticket[]\n}\n',
      'src/models/show.js':
        "const showSchema = new mongoose.Schema({ title: String, totalSeats: Number, bookings: [{ type: Schema.Types.ObjectId, ref: 'Booking' }] });\nmodule.exports = mongoose.model('Show', showSchema);\n",
      'src/models/room.js': "const roomSchema = new mongoose.Schema({ name: String, seats: [{ type: Schema.Types.ObjectId, ref: 'Seat' }] });\nmodule.exports = mongoose.model('Room', roomSchema);\n",
      'src/routes/x.ts': '',
    },
    'src/routes/x.ts',
  );

  it('reads a Prisma count field of the parent (an Int, not a relation list)', () => {
    assert.equal(boundedByParentCapacity(ctx, 'prisma', 'Ticket', 'event'), true);
    assert.equal(boundedByParentCapacity(ctx, 'prisma', 'Ticket', 'channel'), false);
  });

  it('reads a Mongoose capacity field, not an array of references named for places', () => {
    assert.equal(boundedByParentCapacity(ctx, 'mongoose', 'Booking', 'show'), true);
    assert.equal(boundedByParentCapacity(ctx, 'mongoose', 'Seat', 'room'), false);
  });

  it('asks only of rows that take a place', () => {
    assert.equal(boundedByParentCapacity(ctx, 'mongoose', 'Review', 'show'), false);
  });
});
