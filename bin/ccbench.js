#!/usr/bin/env -S NODE_EXTRA_CA_CERTS= node --single-threaded
// Runs the CLI's one CommonJS file (dist/bundle/ccbench.cjs, scripts/build-js.mjs) from the V8 code
// cache the build wrote beside it, so a process does not compile those 450 KB again: that is most
// of every rank's start-up after Node's own (npm run bench:startup). V8 rejects a cache from
// another Node or another build, and the file then compiles as usual. NODE_EXTRA_CA_CERTS is
// emptied because Node parses that bundle at start and ccbench has no TLS (src/system/conditions.ts).
'use strict';
const { closeSync, openSync, readFileSync, readSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { StringDecoder } = require('node:string_decoder');
const { Script } = require('node:vm');
const { Buffer } = require('node:buffer');

const file = join(__dirname, '..', 'dist', 'bundle', 'ccbench.cjs');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // not built: compile
}
// glibc raises its mmap threshold, for good, to the size of any mmapped block that is freed
// (mallopt(3), M_MMAP_THRESHOLD). An MPI program starts at 128 KiB, and where MPI's per-call
// temporaries come from depends on it (README, "Reduce-scatter and the allocator"); a rank that
// read the 450 KB bundle into one string buffer (freed at 512 KiB) served reduce-scatter's 256 KiB
// ones from a heap that never trims them. So the bundle is read in 64 KiB pieces, and the 190 KB
// cache, which must be one buffer, is kept for the life of the process.
function readText(path) {
  const fd = openSync(path, 'r');
  const piece = Buffer.allocUnsafeSlow(65536);
  const decoder = new StringDecoder('utf8');
  let text = '';
  for (let n; (n = readSync(fd, piece, 0, piece.length, null)) > 0;) text += decoder.write(piece.subarray(0, n));
  closeSync(fd);
  return text + decoder.end();
}
const source = `(function (exports, require, module, __filename, __dirname) {${readText(file)}\n})`;
const script = new Script(source, { filename: file, cachedData });
globalThis.ccbenchCodeCache = cachedData;
// Node 20 runs no import() in a vm.Script (not without --experimental-vm-modules): the commands
// kept out of the bundle (plot, report) load through this module's, relative to the bundle.
globalThis.ccbenchImport = (specifier) => import(new URL(specifier, pathToFileURL(file)).href);
// The build's own run: the cache holds what this run compiled, the CLI's start included.
if (process.env.CCBENCH_WRITE_CODE_CACHE) process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
const mod = { exports: {}, filename: file, id: file, loaded: true };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
