/**
 * analysis/python/time-windows.ts: moments the server's clock fixes (how far back they reach) and the Django and
 * SQLAlchemy filters that keep a short window of rows.
 */
import * as assert from 'node:assert/strict';
import type { Node } from 'web-tree-sitter';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { assignmentsBefore } from '../../analysis/python/django-querysets';
import { hoursBack, recentSqlAlchemyWindow, recentWindowCall } from '../../analysis/python/time-windows';

/** The last statement's expression (or the right side of its assignment) in a function of `body`. */
function lastValue(body: string): Node {
  const tree = parsePython(`def f(request, days):\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
  const block = tree.rootNode.namedChildren[0]!.childForFieldName('body')!;
  const last = block.namedChildren[block.namedChildren.length - 1]!.namedChildren[0]!;
  return last.type === 'assignment' ? last.childForFieldName('right')! : last;
}

describe('time-windows', () => {
  before(initParsers);

  it('measures how far back a clock-derived moment reaches', () => {
    const cases: [string, number | undefined][] = [
      ['timezone.now()', 0],
      ['datetime.utcnow() - timedelta(hours=1)', 1],
      ['date.today()', 24],
      ['timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)', 24],
      ['timezone.localtime().replace(minute=0, second=0)', 1],
      ['now = timezone.now()\nlocal = now.astimezone(tz)\ntoday = local.date()\ndatetime.combine(today, time.min).replace(tzinfo=tz)', 24],
      ['today = timezone.localdate()\ntoday - timedelta(days=today.weekday())', 24 + 168],
      ['timezone.now() - relativedelta(days=2)', 48],
      ['timezone.now() - timedelta(days=days)', undefined],
      ['request.user.date_joined', undefined],
      ['timezone.now().replace(day=1)', undefined],
      ['request.GET["since"]', undefined],
    ];
    for (const [body, hours] of cases) assert.equal(hoursBack(lastValue(body), assignmentsBefore), hours, body);
  });

  it('reads Django filters that keep a short window, and leaves long or client-chosen ones', () => {
    const short = [
      'X.objects.filter(date=timezone.localdate())',
      'X.objects.filter(created__date=date.today())',
      'X.objects.filter(created__gte=timezone.now() - timedelta(hours=6))',
      'X.objects.filter(created__range=(timezone.now() - timedelta(hours=1), timezone.now()))',
      'X.objects.filter(Q(created__gte=timezone.now() - timedelta(days=1)) & Q(kind="a"))',
      'now = timezone.now()\nX.objects.filter(created__year=now.year, created__month=now.month, created__day=now.day)',
    ];
    for (const body of short) assert.equal(recentWindowCall(lastValue(body), false, assignmentsBefore), true, body);
    assert.equal(recentWindowCall(lastValue('X.objects.exclude(created__lt=timezone.now() - timedelta(days=3))'), true, assignmentsBefore), true);
    assert.equal(recentWindowCall(lastValue('X.objects.exclude(valid_until__lt=timezone.now())'), true, assignmentsBefore), false);
    const long = [
      'X.objects.filter(created__gte=timezone.now() - timedelta(days=90))',
      'X.objects.filter(created__lt=date.today())',
      'X.objects.filter(created__gte=request.GET["since"])',
      'X.objects.filter(Q(created__date=date.today()) | Q(flagged=True))',
      'now = timezone.now()\nX.objects.filter(created__year=now.year, created__month=now.month)',
      'X.objects.filter(created__gte=timezone.now() - timedelta(days=days))',
      'X.objects.filter(expires_at__gt=timezone.now())',
      'X.objects.filter(end_date__gte=date.today())',
    ];
    for (const body of long) assert.equal(recentWindowCall(lastValue(body), false, assignmentsBefore), false, body);
  });

  it('reads SQLAlchemy where clauses that keep a short window', () => {
    const args = (body: string) => lastValue(body).childForFieldName('arguments')!;
    assert.equal(recentSqlAlchemyWindow(args('stmt.where(Event.ts >= datetime.utcnow() - timedelta(minutes=5))'), assignmentsBefore), true);
    assert.equal(recentSqlAlchemyWindow(args('q.filter(func.date(Event.ts) == date.today())'), assignmentsBefore), true);
    assert.equal(recentSqlAlchemyWindow(args('q.filter(Event.ts.between(date.today(), datetime.utcnow()))'), assignmentsBefore), true);
    assert.equal(recentSqlAlchemyWindow(args('q.filter_by(day=date.today())'), assignmentsBefore), true);
    assert.equal(recentSqlAlchemyWindow(args('q.filter(or_(Event.ts >= date.today(), Event.flagged))'), assignmentsBefore), false);
    assert.equal(recentSqlAlchemyWindow(args('q.filter(Event.ts <= datetime.utcnow())'), assignmentsBefore), false);
    assert.equal(recentSqlAlchemyWindow(args('q.filter(Event.user_id == user_id)'), assignmentsBefore), false);
  });
});
