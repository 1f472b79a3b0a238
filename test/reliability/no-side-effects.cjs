// Preloaded into the memlint CLI by file-reading.test.ts: records any attempt to open a socket, resolve a name or
// start a process (memlint promises none), in the file named by MEMLINT_SIDE_EFFECTS_LOG.
'use strict';
const fs = require('node:fs');
const log = process.env.MEMLINT_SIDE_EFFECTS_LOG;
const record = (what) => fs.appendFileSync(log, what + '\n');
const wrap = (obj, name, what) => {
  const original = obj[name];
  obj[name] = function (...args) {
    record(`${what}(${String(args[0] && (args[0].host || args[0].path || args[0])).slice(0, 80)})`);
    return original.apply(this, args);
  };
};
const net = require('node:net');
wrap(net.Socket.prototype, 'connect', 'net.connect');
const dns = require('node:dns');
wrap(dns, 'lookup', 'dns.lookup');
wrap(dns, 'resolve', 'dns.resolve');
const cp = require('node:child_process');
for (const f of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) wrap(cp, f, `child_process.${f}`);
