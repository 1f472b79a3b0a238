import { strict as assert } from 'node:assert';
import { ownerCapsOf } from '../../analysis/python/owner-caps';
import { scanExpiry } from '../../analysis/python/expiring-rows';
import { drainedByApp, drainsOf } from '../../analysis/python/drained-rows';

describe('owner caps (analysis/python/owner-caps.ts)', () => {
  it('reads a count check that refuses before a write', () => {
    const text = ['MAX_PETS = 3', '', 'def add_pet(request):', '    pets = Pet.objects.filter(owner=request.user)', '    if pets.count() > MAX_PETS:', '        raise ValidationError("too many")', '    Pet.objects.create(owner=request.user)', ''].join('\n');
    assert.deepEqual(ownerCapsOf(text), [{ model: 'Pet', keys: ['owner'], limit: 4 }]);
  });
  it('reads an exists check in a serializer validate as one per owner', () => {
    const text = ['class S:', '    def validate(self, attrs):', '        if Profile.objects.filter(user_id=self.user.id).exists():', '            raise ValidationError("one")', '        return attrs', ''].join('\n');
    assert.deepEqual(ownerCapsOf(text), [{ model: 'Profile', keys: ['user'], limit: 1 }]);
  });
  it('ignores a cap far above a page, a check that does not refuse, and one that guards no write', () => {
    const far = ['def f(request):', '    if Order.objects.filter(user=request.user).count() >= 1000:', '        return None', '    Order.objects.create(user=request.user)', ''].join('\n');
    const warns = ['def f(request):', '    if Order.objects.filter(user=request.user).count() >= 5:', '        log("many")', '    Order.objects.create(user=request.user)', ''].join('\n');
    const reads = ['def f(request):', '    if Order.objects.filter(user=request.user).count() >= 5:', '        return "many"', '    return "few"', ''].join('\n');
    assert.deepEqual([...ownerCapsOf(far), ...ownerCapsOf(warns), ...ownerCapsOf(reads)], []);
  });
});

describe('expiring rows (analysis/python/expiring-rows.ts)', () => {
  it('reads a task that deletes a row and is queued with a delay', () => {
    const text = ['@shared_task', 'def expire(pk):', '    row = Slot.objects.get(pk=pk)', '    row.delete()', '', 'def book(request):', '    expire.apply_async(args=[1], eta=end)', ''].join('\n');
    assert.deepEqual(scanExpiry(text), { taskDeletes: [['expire', ['Slot']]], delayed: ['expire'], timedDeletes: [] });
  });
  it('reads a delete of rows older than a moment, not a delete by key', () => {
    const text = ['def purge():', '    Token.objects.filter(created__lt=timezone.now() - timedelta(hours=1)).delete()', '    Order.objects.filter(pk=pk).delete()', ''].join('\n');
    assert.deepEqual(scanExpiry(text).timedDeletes, ['Token']);
  });
});

describe('drained rows (analysis/python/drained-rows.ts)', () => {
  it('reads a checkout that copies one user\'s rows into an order and deletes them all', () => {
    const chained = ['def checkout(request):', '    order = Order.objects.create(user=request.user)', '    for item in CartItem.objects.filter(user=request.user):', '        OrderItem.objects.create(order=order, product=item.product)', '    CartItem.objects.filter(user=request.user).delete()', ''].join('\n');
    const held = ['    def perform_create(self, serializer):', '        items = Basket.objects.filter(owner_id=self.request.user.id)', '        order = serializer.save(user=self.request.user)', '        for item in items:', '            pass', '        items.delete()', ''].join('\n');
    assert.deepEqual(drainsOf(chained), [{ model: 'CartItem', keys: ['user'] }]);
    assert.deepEqual(drainsOf(held), [{ model: 'Basket', keys: ['owner'] }]);
  });
  it('ignores a delete with no conversion, a delete of one row, and a delete of a batch', () => {
    const clear = ['def clear(request):', '    for n in Notification.objects.filter(user=request.user):', '        log(n)', '    Notification.objects.filter(user=request.user).delete()', ''].join('\n');
    const one = ['def move(request, pk):', '    for w in Wish.objects.filter(pk=pk):', '        Cart.objects.create(product=w.product)', '    Wish.objects.filter(pk=pk).delete()', ''].join('\n');
    const batch = ['def move(request):', '    for w in Wish.objects.filter(id__in=ids):', '        Cart.objects.create(product=w.product)', '    Wish.objects.filter(id__in=ids).delete()', ''].join('\n');
    assert.deepEqual([...drainsOf(clear), ...drainsOf(one), ...drainsOf(batch)], []);
  });
  it('keeps one owner\'s rows few only for the keys the delete used', () => {
    assert.equal(drainedByApp([{ model: 'Wish', keys: ['user', 'product'] }], 'Wish', ['user']), false);
    assert.equal(drainedByApp([{ model: 'Cart', keys: ['user'] }], 'Cart', ['user']), true);
  });
});
