// Where this installation lives: the package root (suites/, build/, package.json) and its version.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// dist/src/paths.js → the package root, two levels up.
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const VERSION: string = pkg.version;
