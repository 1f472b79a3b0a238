#!/usr/bin/env node
'use strict';
const { run } = require('../dist/cli.js');

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`memlint: internal error: ${(error && error.stack) || error}\n`);
    process.exitCode = 2;
  },
);
