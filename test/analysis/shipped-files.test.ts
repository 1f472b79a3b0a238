/**
 * Shipped files (analysis/python/shipped-files.ts): a path naming a small file of the repository is not reported
 * as a whole read; the same path naming a file over the size limit, or one the project writes, is.
 */
import * as assert from 'node:assert/strict';
import { SHIPPED_FILE_MAX_BYTES } from '../../analysis/python/shipped-files';
import { Workspace } from '../../server/src/engine/workspace';
import { removeTempWorkspaces, tempWorkspace } from '../support/tmp';

const APP = `import os

import pandas as pd
from flask import Flask, jsonify

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
app = Flask(__name__)


@app.get("/codes")
def codes():
    return jsonify(pd.read_csv(os.path.join(BASE_DIR, "data", "codes.csv")).to_dict())
`;

async function reportedLines(files: Record<string, string>): Promise<number[]> {
  const ws = await Workspace.open({ root: tempWorkspace({ 'requirements.txt': 'flask==3.0\npandas==2.2\n', 'app.py': APP, ...files }) });
  ws.discover();
  return ws.scan().files.flatMap((r) => r.findings.filter((f) => f.ruleId === 'dataframe-full-load').map((f) => f.range.start.line + 1));
}

describe('shipped files', function () {
  this.timeout(60_000);
  after(removeTempWorkspaces);

  it('does not report a read of a small CSV the repository ships', async () => {
    assert.deepEqual(await reportedLines({ 'data/codes.csv': 'code,label\nA,alpha\n' }), []);
  });

  it('reports it when the shipped file is over the size limit', async () => {
    const big = 'code,label\n' + 'A,alpha\n'.repeat(Math.ceil(SHIPPED_FILE_MAX_BYTES / 8) + 1);
    assert.deepEqual(await reportedLines({ 'data/codes.csv': big }), [12]);
  });

  it('reports it when the project writes to the file', async () => {
    const writer = 'import pandas as pd\n\n\ndef save(df):\n    df.to_csv("data/codes.csv")\n';
    assert.deepEqual(await reportedLines({ 'data/codes.csv': 'code,label\nA,alpha\n', 'store.py': writer }), [12]);
  });

  it('reports it when the repository does not hold the file', async () => {
    assert.deepEqual(await reportedLines({}), [12]);
  });
});
