#!/usr/bin/env node
'use strict';
const path = require('path');

const args = process.argv.slice(2);
if (args[0] === 'lsp') {
  // `memlint lsp [--stdio]`: the language server over stdin/stdout, for editors other than VS Code.
  // The server reads its transport from process.argv (--stdio, --node-ipc, --socket=N, --pipe=NAME).
  const rest = args.slice(1);
  const transport = rest.some((a) => /^--(stdio|node-ipc|socket|pipe)\b/.test(a)) ? [] : ['--stdio'];
  process.argv = [process.argv[0], path.join(__dirname, '..', 'dist', 'server.js'), ...rest, ...transport];
  require('../dist/server.js');
} else {
  const { run } = require('../dist/cli.js');
  run(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`memlint: internal error: ${(error && error.stack) || error}\n`);
      process.exitCode = 2;
    },
  );
}
