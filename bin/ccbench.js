#!/usr/bin/env -S node --single-threaded
import '../dist/src/cli/main.js';
