// Progress on stderr: a live line on a terminal (a real run in a tmux pane, read back with
// capture-pane), nothing in a log but one line for a size that runs 10 s, nothing with --quiet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildPlan, expandPoints } from '../src/plan/plan.js';
import { clock, LOG_AFTER_MS, Progress, progressMode } from '../src/rank/progress.js';
import { ccbench, CLI, MARK, strays, tempDir } from './helpers.js';

describe('progress mode and clock', () => {
  test('the launcher says tty or log; --quiet turns it off; without a word, stderr decides', () => {
    assert.deepEqual(progressMode(false, { CCBENCH_PROGRESS: 'tty:132' }, {}), { kind: 'tty', columns: 132 });
    assert.deepEqual(progressMode(false, { CCBENCH_PROGRESS: 'log' }, { isTTY: true }), { kind: 'log' });
    assert.deepEqual(progressMode(true, { CCBENCH_PROGRESS: 'tty:80' }, { isTTY: true }), { kind: 'off' });
    assert.deepEqual(progressMode(false, {}, { isTTY: true, columns: 90 }), { kind: 'tty', columns: 90 });
    assert.deepEqual(progressMode(false, {}, {}), { kind: 'log' });
  });

  test('clock', () => {
    assert.equal(clock(0), '0:00');
    assert.equal(clock(61_400), '1:01');
    assert.equal(clock(3_725_000), '1:02:05');
  });
});

describe('log mode (a fake clock and position: the plumbing alone)', () => {
  test('silent for a size under 10 s; one line at 10 s, then one a minute', () => {
    const plan = buildPlan(['allreduce'], { sizes: '1K,2K', iters: 100, np: 2 });
    let now = 0;
    const lines: string[] = [];
    let step: { index: number; cycle: number } = { index: 0, cycle: 1 };
    const p = new Progress({
      mode: { kind: 'log' },
      points: expandPoints(plan),
      repeat: 1,
      maxTimePerSize: 0,
      position: () => ({ where: 'x', phase: 'timed', iteration: Math.floor(now / 1000) }),
      step: () => step,
      now: () => now,
      write: (t) => lines.push(t),
    });
    p.start();
    for (now = 0; now < 9_000; now += 1000) p.tick();
    step = { index: 1, cycle: 1 }; // the first size finished within 9 s
    for (now = 9_000; now < 9_000 + LOG_AFTER_MS; now += 1000) p.tick();
    assert.deepEqual(lines, []);
    for (; now <= 9_000 + 75_000; now += 1000) p.tick();
    assert.equal(lines.length, 2, lines.join(''));
    assert.match(
      lines[0],
      /^ccbench: allreduce 2 KiB float32 sum on 2 ranks: running for 0:10, timed iteration 19 of 100/,
    );
    assert.match(lines[0], /about \d+:\d\d left in the run\n$/);
    assert.match(lines[1], /running for 1:10/);
    p.stop();
  });
});

const tmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs ccbench in a detached tmux pane (a real terminal); returns what the pane showed, as it went and at the end. */
async function inTmux(
  args: string[],
  watch: (pane: string) => boolean,
): Promise<{ seen: string | undefined; end: string; code: number }> {
  const dir = tempDir();
  const done = join(dir, 'exit-code');
  const session = `ccbench-progress-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const cmd = `CCBENCH_TEST_MARK=${MARK} ${process.execPath} ${CLI} ${args.join(' ')}; echo $? > ${done}`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '110', '-y', '50', cmd]);
  execFileSync('tmux', ['set-option', '-t', session, 'remain-on-exit', 'on']);
  const capture = () => execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
  let seen: string | undefined;
  const near: string[] = []; // lines that look like progress, for the message of a failure
  const t0 = Date.now();
  try {
    while (!existsSync(done) && Date.now() - t0 < 60_000) {
      const pane = capture();
      near.push(...pane.split('\n').filter((l) => l.includes('elapsed')));
      if (!seen && watch(pane)) seen = pane;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 200));
    return { seen, end: capture() + near.join('\n'), code: Number(readFileSync(done, 'utf8')) };
  } finally {
    execFileSync('tmux', ['kill-session', '-t', session]);
  }
}

const LIVE =
  /^\d+% · allreduce · 2 ranks · size [1-3] of 3 \(\d+ B\) · (iteration \d+ of 100000000 \(≤ 2 s\)|warm-up \d+ of 3|\w+) · \d:\d\d elapsed · (~\d:\d\d left|time left unknown)$/m;
const RUN = ['allreduce', '-n', '2', '--launcher', 'local', '--backend', 'gloo', '--sizes', '8,16,32'];
// Three warm-up ops: the time cap's estimate leaves out the first (cold) one, so a slow first op
// on a loaded machine cannot cut each size to a fraction of a second and the line never show.
const SLOW = ['--iters', '100000000', '--max-time-per-size', '2', '--warmup', '3'];

describe('on a terminal (tmux)', { skip: tmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  after(() => assert.deepEqual(strays(), [], 'no process left behind'));

  test('one live line on stderr while sizes run, gone at the end, the table intact', async () => {
    const r = await inTmux([...RUN, ...SLOW], (pane) => LIVE.test(pane));
    assert.equal(r.code, 0, r.end);
    assert.ok(r.seen, `no progress line was seen; the pane at the end:\n${r.end}`);
    assert.equal(r.seen.split('\n').filter((l) => LIVE.test(l)).length, 1, 'one line');
    assert.equal(r.end.split('\n').filter((l) => /^\s+(8|16|32)\s+\d/.test(l)).length, 3, r.end);
    assert.doesNotMatch(r.end.split('\n').slice(0, 50).join('\n'), /elapsed/, 'the line is cleared at the end');
    assert.ok(!r.end.includes('\u001b') && !r.end.includes('[K'), 'no stray escape sequence');
  });

  test('--quiet: no progress line', async () => {
    const out = join(tempDir(), 'q.jsonl');
    const r = await inTmux([...RUN, ...SLOW, '--quiet', '--out', out], (pane) => /elapsed/.test(pane));
    assert.equal(r.code, 0, r.end);
    assert.equal(r.seen, undefined, r.seen);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 3);
  });
});

describe('in a log (stderr a pipe)', () => {
  test('no progress text for sizes under 10 s', async () => {
    const r = await ccbench([...RUN, '--iters', '20', '--warmup', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /elapsed|\r/);
  });
});
