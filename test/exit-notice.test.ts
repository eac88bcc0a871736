// CCBENCH_EXIT_NOTICE's plumbing on loopback: rank 0 (a real child process using the rank's
// module) tells the commander's listener its exit code and, by closing, that it has ended; a
// connection without the token is dropped and changes nothing. The cross-host use, with
// launchers, is in cluster-faults.test.ts.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listenForRankZero } from '../src/launch/exit-notice.js';
import { run } from './helpers.js';

const MODULE = fileURLToPath(new URL('../src/job/exit-report.js', import.meta.url));

test('rank 0 says its code, then its connection closes: the commander learns both', async () => {
  const notice = await listenForRankZero();
  assert.ok(notice);
  assert.match(notice.env, /^.+:\d+:[0-9a-f]{32}$/);
  const ended = new Promise<number | 'started'>((resolve) => notice.onEnd(resolve));
  const script =
    `import { writeExitReport } from ${JSON.stringify(MODULE)};\n` +
    `writeExitReport(process.env, 'started');\n` +
    `setTimeout(() => { writeExitReport(process.env, 124); process.exit(124); }, 300);\n`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { CCBENCH_EXIT_NOTICE: notice.env },
    timeoutMs: 20_000,
  });
  assert.equal(r.code, 124, r.stderr);
  assert.equal(await ended, 124);
  assert.equal(notice.code(), 124);
  notice.close();
});

test('a connection without the token is dropped and says nothing', async () => {
  const notice = await listenForRankZero();
  assert.ok(notice);
  let fired = false;
  notice.onEnd(() => (fired = true));
  const [, host, port] = /^\[?(.+?)\]?:(\d+):/.exec(notice.env) as RegExpExecArray;
  const closed = await new Promise<boolean>((resolve) => {
    const s = connect({ host, port: Number(port) }, () => s.write(`${'0'.repeat(32)} 0\n`));
    s.on('close', () => resolve(true));
    s.on('error', () => {});
    setTimeout(() => resolve(false), 5000);
  });
  assert.ok(closed, 'the listener dropped it');
  assert.equal(notice.code(), undefined);
  assert.equal(fired, false);
  notice.close();
});
