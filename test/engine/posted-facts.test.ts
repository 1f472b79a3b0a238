/**
 * Project facts one thread of a batch scan builds and posts to the others (server/src/engine/thread-facts.ts): the
 * deploy model (the CLI's main thread builds it while the workers start) and the n-plus-one template links. A
 * posted copy (a structured clone, as postMessage makes) must give the same findings and fixes as the facts built in
 * the thread, and a copy built from other file texts must not be used.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { FactsExchange } from '../../analysis/shared-facts';
import { DEPLOYS_TOPIC, type Deploy } from '../../analysis/deploy/deploys';
import { MappedText } from '../../analysis/deploy/commands-text';
import { TEMPLATE_LINKS_TOPIC } from '../../rules/n-plus-one/template-links-share';
import { scanWithFactsExchange } from '../support/scans';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

const scan = scanWithFactsExchange;

/** The first thread: builds the facts of `topic` and posts them (what it posts is returned, cloned as postMessage does). */
function poster(topic: string): { exchange: FactsExchange; posted: Map<string, unknown> } {
  const posted = new Map<string, unknown>();
  let first = true;
  const exchange: FactsExchange = {
    take: (t) => {
      const wasFirst = t === topic && first;
      if (t === topic) first = false;
      return { known: new Map(), first: wasFirst };
    },
    publish: (t, entries) => {
      if (t === topic) for (const [k, v] of structuredClone(entries)) posted.set(k, v);
    },
  };
  return { exchange, posted };
}

/** Another thread: finds `posted` under `topic`. */
function taker(topic: string, posted: ReadonlyMap<string, unknown>): FactsExchange {
  return { take: (t) => ({ known: t === topic ? posted : new Map(), first: false }), publish: () => undefined };
}

const DEPLOY_PROJECTS = [
  'missing-worker-recycling/compose', // YAML block sequence commands (their insert edits)
  'missing-worker-recycling/docker', // Dockerfile exec form
  'missing-worker-recycling/fly-app', // TOML arrays
  'missing-worker-recycling/procfile',
  'cpu-derived-workers/pm2',
  'cpu-derived-workers/celery-compose',
  'node-heap-limit/render-anchors',
  'node-heap-limit/dockerfile-compose',
  'missing-worker-recycling/ansible-templates', // celeryd CELERYD_OPTS (inserts at the start of a quoted value)
];

describe('facts posted between scan threads', function () {
  this.timeout(300_000);

  for (const project of DEPLOY_PROJECTS) {
    it(`deploy model of ${project}: a posted copy gives the same findings and fixes as one built in the thread`, async () => {
      const root = path.join(FIXTURES, project);
      const built = await scan(root);
      assert.ok(built.length > 0, 'the fixture has no findings to compare');
      const { exchange, posted } = poster(DEPLOYS_TOPIC);
      assert.deepEqual(await scan(root, exchange), built);
      assert.equal(posted.size, 1, 'the model was not posted');
      const [entry] = posted.values() as Iterable<{ inputs: [string, number][]; deploys: Deploy[] }>;
      assert.deepEqual(await scan(root, taker(DEPLOYS_TOPIC, posted)), built);
      // It was the posted copy that the thread used: its texts got their class back.
      const word = entry.deploys.flatMap((d) => d.processes)[0]?.command.programWord;
      assert.ok(word === undefined || word.text instanceof MappedText, 'the posted model was not used');
    });
  }

  it('a deploy model built from other file texts is not used', async () => {
    const root = path.join(FIXTURES, 'missing-worker-recycling/compose');
    const built = await scan(root);
    const { exchange, posted } = poster(DEPLOYS_TOPIC);
    await scan(root, exchange);
    const [entry] = posted.values() as Iterable<{ inputs: [string, number][]; deploys: Deploy[] }>;
    entry.deploys.length = 0; // what another thread would have built from texts without these services
    assert.notDeepEqual(await scan(root, taker(DEPLOYS_TOPIC, posted)), built, 'the posted model was not used');
    entry.inputs[0][1] ^= 1; // ... and it was built from another text of one of its files
    assert.deepEqual(await scan(root, taker(DEPLOYS_TOPIC, posted)), built);
  });

  it('template links: a posted copy gives the same N+1 findings; one built from other texts is not used', async () => {
    const root = path.join(FIXTURES, 'n-plus-one', 'templates');
    const built = await scan(root);
    assert.ok(built.some((k) => k.includes('.html:')), 'no template finding to compare');
    const { exchange, posted } = poster(TEMPLATE_LINKS_TOPIC);
    assert.deepEqual(await scan(root, exchange), built);
    assert.equal(posted.size, 1, 'the template links were not posted');
    assert.deepEqual(await scan(root, taker(TEMPLATE_LINKS_TOPIC, posted)), built);
    const [entry] = posted.values() as Iterable<{ texts: [string, string][]; findings: unknown[] }>;
    entry.findings.length = 0;
    assert.ok(!(await scan(root, taker(TEMPLATE_LINKS_TOPIC, posted))).some((k) => k.includes('.html:')), 'the posted links were not used');
    const template = entry.texts.find(([file]) => file.endsWith('.html'));
    assert.ok(template, 'the posted links name no template they read');
    template[1] = 'another text';
    assert.deepEqual(await scan(root, taker(TEMPLATE_LINKS_TOPIC, posted)), built);
  });
});
