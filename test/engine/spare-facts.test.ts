/**
 * Project facts a scan worker builds for the others while it would wait for another thread's (analysis/shared-facts.ts
 * `offerSpareWork`, server/src/engine/spare-facts.ts): the DRF model's module facts and the template links, built ahead
 * of any rule asking, must give the thread that takes them the same findings as facts it builds itself; and a thread
 * that would wait runs the offered work first.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { factsExchange, offerSpareWork, setFactsExchange, type FactsExchange } from '../../analysis/shared-facts';
import { shareDrfFacts } from '../../analysis/python/drf';
import { shareTemplateLinks } from '../../rules/n-plus-one/django-templates';
import { TEMPLATE_LINKS_TOPIC } from '../../rules/n-plus-one/template-links-share';
import { getPythonLanguage, parsePython } from '../../server/src/engine/parsers';
import { joinFactsShare, newFactsShare } from '../../server/src/engine/thread-facts';
import { Workspace } from '../../server/src/engine/workspace';
import { scanWithFactsExchange } from '../support/scans';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

const scan = scanWithFactsExchange;

/** A thread that builds `build`'s facts ahead, as a waiting worker does: what it posts under `topic` (cloned as postMessage does). */
async function builtAhead(root: string, topic: string, build: (ws: Workspace) => void): Promise<Map<string, unknown>> {
  const posted = new Map<string, unknown>();
  let claimed = false;
  const exchange: FactsExchange = {
    take: (t) => {
      const first = t === topic && !claimed;
      if (t === topic) claimed = true;
      return { known: new Map(), first };
    },
    publish: (t, entries) => {
      if (t === topic) for (const [k, v] of structuredClone(entries)) posted.set(k, v);
    },
    claimed: (t) => t === topic && claimed,
  };
  const ws = await Workspace.open({ root });
  ws.discover();
  setFactsExchange(exchange);
  try {
    build(ws);
  } finally {
    setFactsExchange(undefined);
  }
  return posted;
}

function taker(topic: string, posted: ReadonlyMap<string, unknown>): FactsExchange {
  return { take: (t) => ({ known: t === topic ? posted : new Map(), first: false }), publish: () => undefined };
}

describe('project facts built while a scan worker would wait', function () {
  this.timeout(300_000);

  it('DRF module facts built ahead give the same findings to the thread that takes them', async () => {
    const root = path.join(FIXTURES, 'n-plus-one', 'drf_shop');
    const built = await scan(root);
    assert.ok(built.some((k) => k.includes('n-plus-one')), 'the fixture has no DRF finding to compare');
    const posted = await builtAhead(root, 'drf', (ws) => {
      const empty = parsePython('');
      try {
        shareDrfFacts([ws.projectAt('')], empty);
      } finally {
        empty.delete();
      }
    });
    assert.ok([...posted.keys()].some((k) => k.startsWith('shop/serializers.py\u0000')), 'the serializers module was not posted');
    assert.deepEqual(await scan(root, taker('drf', posted)), built);
  });

  it('template links built ahead give the same findings to the thread that takes them', async () => {
    const root = path.join(FIXTURES, 'n-plus-one', 'templates');
    const built = await scan(root);
    assert.ok(built.some((k) => k.includes('.html:')), 'no template finding to compare');
    const posted = await builtAhead(root, TEMPLATE_LINKS_TOPIC, (ws) => shareTemplateLinks([ws.projectAt('')], getPythonLanguage()));
    assert.equal(posted.size, 1, 'the template links were not posted');
    assert.deepEqual(await scan(root, taker(TEMPLATE_LINKS_TOPIC, posted)), built);
  });

  it('facts another thread has claimed are not built again', async () => {
    const root = path.join(FIXTURES, 'n-plus-one', 'templates');
    const ws = await Workspace.open({ root });
    ws.discover();
    let took = false;
    setFactsExchange({ take: () => ((took = true), { known: new Map(), first: false }), publish: () => undefined, claimed: () => true });
    try {
      shareTemplateLinks([ws.projectAt('')], getPythonLanguage());
    } finally {
      setFactsExchange(undefined);
    }
    assert.equal(took, false);
  });

  it('a worker that would wait for facts another thread computes runs the offered work first', () => {
    const share = newFactsShare();
    const state = new Int32Array(share.state);
    joinFactsShare(share, { wait: true });
    // Another thread is building the template links (slot 2, thread-facts.ts TOPICS).
    Atomics.store(state, 2, 1);
    const ran: string[] = [];
    // ... and publishes them while this one builds the DRF facts.
    offerSpareWork('drf', () => {
      ran.push('drf');
      Atomics.store(state, 2, 2);
    });
    const started = Date.now();
    const exchange = factsExchange();
    assert.ok(exchange, 'no exchange installed');
    const { first } = exchange.take(TEMPLATE_LINKS_TOPIC);
    assert.deepEqual(ran, ['drf']);
    assert.equal(first, false);
    assert.ok(Date.now() - started < 4000, 'it waited the full time instead of working');
    // (a later scan's share replaces this one)
    setFactsExchange(undefined);
  });
});

