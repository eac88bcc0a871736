#!/usr/bin/env -S node --single-threaded
// One file (scripts/build-js.mjs), for start-up time: every rank loads it.
import '../dist/bundle/ccbench.js';
