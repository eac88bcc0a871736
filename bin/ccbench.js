#!/usr/bin/env -S NODE_EXTRA_CA_CERTS= node --single-threaded
// Runs the CLI's one CommonJS file (dist/bundle/ccbench.cjs, scripts/build-js.mjs) from the V8 code
// cache the build wrote beside it, so a process does not compile those 450 KB again: that is most
// of every rank's start-up after Node's own (npm run bench:startup). V8 rejects a cache from
// another Node or another build, and the file then compiles as usual. NODE_EXTRA_CA_CERTS is
// emptied because Node parses that bundle at start and ccbench has no TLS (src/system/conditions.ts).
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const file = join(__dirname, '..', 'dist', 'bundle', 'ccbench.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // not built: compile
}
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
const script = new Script(source, { filename: file, cachedData });
// Node 20 runs no import() in a vm.Script (not without --experimental-vm-modules): the commands
// kept out of the bundle (plot, report) load through this module's, relative to the bundle.
globalThis.ccbenchImport = (specifier) => import(new URL(specifier, pathToFileURL(file)).href);
// The build's own run: the cache holds what this run compiled, the CLI's start included.
if (process.env.CCBENCH_WRITE_CODE_CACHE) process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
const mod = { exports: {}, filename: file, id: file, loaded: true };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
