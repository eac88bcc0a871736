#!/usr/bin/env -S NODE_EXTRA_CA_CERTS= node --single-threaded
// One CommonJS file (scripts/build-js.mjs), for start-up time: every rank loads it (bin/package.json
// makes this file CommonJS too). NODE_EXTRA_CA_CERTS is emptied because Node parses that bundle at
// start and ccbench has no TLS (src/system/conditions.ts).
require('../dist/bundle/ccbench.cjs');
