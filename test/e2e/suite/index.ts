/**
 * Mocha entry inside the VS Code extension host (CommonJS `run()`, as @vscode/test-electron and the
 * code-server host in ../host.ts both expect). Compiled by ./run.mjs to out/e2e-suite/index.js.
 */
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} e2e test(s) failed`)) : resolve()));
  });
}
