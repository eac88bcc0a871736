// A rank must leave glibc's mmap threshold where an MPI program's is when its sweep starts:
// freeing a block that malloc mmapped raises the threshold to its size for good (mallopt(3)),
// and MPI's per-call temporaries then come from a heap that never trims them, where a C program's
// land on fresh pages (README, "Reduce-scatter and the allocator"). bench/malloc/mmap_frees.c,
// preloaded, lists each process's frees of mmapped blocks in order: at 384 KiB,
// MPI_Reduce_scatter_block's temporaries are 384 KiB blocks (397312 bytes with glibc's header,
// rounded to pages), mmapped on the first call only if nothing larger was freed before.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ccbench, leavesNoProcess, ROOT, tempDir } from './helpers.js';

const PRELOAD = join(ROOT, 'build', 'bench', 'mmap_frees.so');
const TEMPORARY = 397312;

describe(
  'the allocator a rank leaves to MPI',
  { skip: !existsSync(PRELOAD) && 'build/bench/mmap_frees.so not built' },
  () => {
    leavesNoProcess();

    test('reduce-scatter at 384 KiB gets mmapped temporaries: nothing before them raised the threshold', async () => {
      const dir = join(tempDir(), 'frees');
      mkdirSync(dir);
      const args = ['reducescatter', '-n', '2', '--backend', 'mpi', '--quiet', '--sizes', '393216'];
      const r = await ccbench([...args, '--iters', '5', '--warmup', '1', '--json', join(dir, '..', 'rs.json')], {
        env: { LD_PRELOAD: PRELOAD, MMAP_FREES_DIR: dir },
      });
      assert.equal(r.code, 0, r.stderr);
      const processes = readdirSync(dir).map((pid) => ({
        pid,
        frees: readFileSync(join(dir, pid), 'utf8').trim().split('\n').filter(Boolean).map(Number),
      }));
      const withTemporaries = processes.filter((p) => p.frees.includes(TEMPORARY));
      const seen = processes.map((p) => `${p.pid}: ${p.frees.join(' ')}`).join('; ');
      assert.ok(withTemporaries.length >= 1, `no process freed an mmapped ${TEMPORARY}-byte temporary (${seen})`);
      for (const p of withTemporaries) {
        const before = p.frees.slice(0, p.frees.indexOf(TEMPORARY));
        assert.ok(
          before.every((b) => b < TEMPORARY),
          `process ${p.pid} freed ${before.join(' ')} before MPI's first call`,
        );
      }
    });
  },
);
