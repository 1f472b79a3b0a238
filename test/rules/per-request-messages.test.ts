/**
 * What the messages of browser-per-request and model-load-per-request tell a user: where the code runs per
 * request (route, view, task, Streamlit rerun) and, for browsers, whether the browser is also left running when
 * the request fails. The fixture tests pin the lines; these pin the words of each finding's detail.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES_ROOT } from '../support/fixtures';
import { analyzerFor, analyzeWith, initParsers } from '../support/analyze';

before(() => initParsers());

function messages(ruleId: string, workspace: string, file: string): Map<number, string> {
  const root = path.join(FIXTURES_ROOT, ruleId, workspace);
  const abs = path.join(root, file);
  const result = analyzeWith(analyzerFor(ruleId, root), root, abs, fs.readFileSync(abs, 'utf8'));
  // The headline says what and what to do in one line; the words pinned here are in the detail (hover, JSON).
  for (const f of result.findings) assert.ok(f.message.length <= 100 && f.detail, `${f.message}: a headline and a detail`);
  return new Map(result.findings.map((f) => [f.range.start.line + 1, f.detail!]));
}

describe('browser-per-request messages', () => {
  it('say when the browser is not closed on every path, and only then', () => {
    const views = messages('browser-per-request', 'python-app', 'views.py');
    assert.match(views.get(10)!, /in the view scrape_title\(\).*not closed on every path/);
    assert.doesNotMatch(views.get(19)!, /not closed|nothing closes/, 'driver.quit() in finally');
    assert.doesNotMatch(views.get(29)!, /not closed|nothing closes/, 'with webdriver.Chrome() as driver');
    const main = messages('browser-per-request', 'python-app', 'main.py');
    assert.doesNotMatch(main.get(12)!, /not closed|nothing closes/, 'inside async with async_playwright()');
    assert.match(main.get(22)!, /not closed on every path/);
    assert.match(messages('browser-per-request', 'python-app', 'tasks.py').get(11)!, /every task run in the task render_invoice\(\).*nothing closes it/);
    const routes = messages('browser-per-request', 'node-app', 'src/routes/invoices.js');
    assert.match(routes.get(9)!, /not closed on every path: an error before browser\.close\(\)/);
    assert.doesNotMatch(routes.get(19)!, /not closed|nothing closes/, 'browser.close() in finally');
    assert.match(routes.get(31)!, /nothing closes it/);
  });

  it('name the cost: a whole browser process tree per concurrent request', () => {
    for (const m of messages('browser-per-request', 'node-app', 'app/api/preview/route.ts').values()) {
      assert.match(m, /process tree of 100-300 MB\) on every request, one per concurrent request/);
    }
  });
});

describe('model-load-per-request messages', () => {
  it('name where the load runs and the loader to use', () => {
    const views = messages('model-load-per-request', '', 'views.py');
    assert.match(views.get(15)!, /^Loads a model \(joblib\.load\(\)\) on every request in the view predict_churn\(\)/);
    assert.match(views.get(40)!, /SentimentView\.__init__\(\) \(a view: a new instance serves every request\)/);
    const streamlit = messages('model-load-per-request', 'streamlit-app', 'app.py');
    assert.match(streamlit.get(10)!, /on every rerun at the Streamlit script's top level .*@st\.cache_resource loader/);
    const main = messages('model-load-per-request', '', 'main.py');
    assert.match(main.get(31)!, /in the FastAPI dependency get_encoder\(\) \(run on every request that depends on it\)/);
  });
});
