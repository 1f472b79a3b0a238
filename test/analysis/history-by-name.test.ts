import assert from 'node:assert/strict';
import { historyByName, historyHead } from '../../analysis/history-by-name';

describe('history-by-name: per-event records by their name', () => {
  it('reads a name by its head noun, in every spelling', () => {
    for (const name of ['Order', 'orders', 'CustomerOrder', 'TutoringReservation', 'UploadFileModel', 'FileModel', 'payment_transactions', 'Appointment', 'ChatMessage', 'models.Consultation', 'Document']) {
      assert.ok(historyByName(name), name);
    }
    assert.equal(historyHead('UploadFileModel'), 'file');
  });

  it('does not read a record\'s parts, a kind of thing or what a person keeps as a history', () => {
    for (const name of ['OrderItem', 'OrderLine', 'PaymentMethod', 'BookingStatus', 'EventTag', 'Note', 'Task', 'Address', 'Bookmark', 'Schedule', 'Slot', 'Profile', 'Category', 'Enrollment', 'JobApplication']) {
      assert.ok(!historyByName(name), name);
    }
  });
});
