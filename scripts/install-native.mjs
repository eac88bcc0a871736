// npm's "install" script: builds the native addon (cmake-js, Node-API mode) wherever the package
// is installed — the dev checkout's `npm ci` and `npm install -g ccbench` alike, since a tarball
// carries the C++ sources, not a binary. Checks the build tools first, so a missing one gives one
// line saying what to install instead of cmake-js's stack trace.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
// A name with a slash is a path (as the shell takes it); otherwise it is looked up on PATH.
const onPath = (cmd) =>
  cmd.includes('/')
    ? executable(cmd)
    : (process.env.PATH ?? '').split(delimiter).some((d) => executable(join(d || '.', cmd)));

// What cmake itself would look for: $CXX, else c++ / g++ / clang++; make, or ninja (which
// cmake-js prefers when present).
const cxx = process.env.CXX?.trim().split(/\s+/)[0];
const missing = [
  !onPath('cmake') && { what: 'cmake', apt: 'cmake', dnf: 'cmake' },
  !(cxx ? onPath(cxx) : ['c++', 'g++', 'clang++'].some(onPath)) && {
    what: cxx ? `a C++ compiler ($CXX=${cxx})` : 'a C++ compiler (c++, g++ or clang++)',
    apt: 'g++',
    dnf: 'gcc-c++',
  },
  !['make', 'ninja'].some(onPath) && { what: 'make (or ninja)', apt: 'make', dnf: 'make' },
].filter(Boolean);
if (missing.length) {
  const pkgs = (k) => missing.map((m) => m[k]).join(' ');
  console.error(
    `ccbench: cannot build the native addon: ${missing.map((m) => m.what).join(', ')} not found on PATH; ` +
      `install with "sudo apt-get install -y ${pkgs('apt')}" (Debian/Ubuntu) or "sudo dnf install -y ${pkgs('dnf')}" (Fedora/RHEL), then install ccbench again`,
  );
  process.exit(1);
}

// cmake-js from this package's own dependencies (hoisted or nested), run by this Node.
const require = createRequire(import.meta.url);
const pkg = require.resolve('cmake-js/package.json');
const bin = join(dirname(pkg), require(pkg).bin['cmake-js']);
const r = spawnSync(process.execPath, [bin, 'compile'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
