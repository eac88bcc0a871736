// --sizes parsing: nccl-tests conventions (K/M/G = powers of 1024), ranges, lists and errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseSize, parseSizes } from '../src/plan/sizes.js';
import { UsageError } from '../src/errors.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** Asserts fn throws a UsageError whose message contains every fragment. */
function usageError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.name, 'UsageError');
    for (const f of fragments) assert.ok(e.message.includes(f), `message '${e.message}' lacks '${f}'`);
    assert.ok(!e.message.includes('\n'), 'usage errors are one line');
    return true;
  });
}

describe('parseSize', () => {
  test('plain byte counts', () => {
    assert.equal(parseSize('0'), 0);
    assert.equal(parseSize('1'), 1);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('  12  '), 12);
  });

  test('K/M/G/T are powers of 1024', () => {
    assert.equal(parseSize('1K'), KiB);
    assert.equal(parseSize('64K'), 64 * KiB);
    assert.equal(parseSize('1M'), MiB);
    assert.equal(parseSize('3G'), 3 * GiB);
    assert.equal(parseSize('1T'), TiB);
  });

  test('suffixes are case-insensitive', () => {
    assert.equal(parseSize('2k'), 2 * KiB);
    assert.equal(parseSize('2m'), 2 * MiB);
    assert.equal(parseSize('2g'), 2 * GiB);
    assert.equal(parseSize('1t'), TiB);
  });

  test('optional B or iB after the suffix', () => {
    assert.equal(parseSize('8B'), 8);
    assert.equal(parseSize('1KB'), KiB);
    assert.equal(parseSize('1KiB'), KiB);
    assert.equal(parseSize('1kib'), KiB);
    assert.equal(parseSize('1GiB'), GiB);
    assert.equal(parseSize('1 MiB'), MiB);
    assert.equal(parseSize('16mb'), 16 * MiB);
  });

  test('fractional values that give whole bytes', () => {
    assert.equal(parseSize('1.5K'), 1536);
    assert.equal(parseSize('0.5M'), 512 * KiB);
    assert.equal(parseSize('2.25G'), 2.25 * GiB);
    assert.equal(parseSize('4.0'), 4);
  });

  test('fractional values that do not give whole bytes are rejected', () => {
    usageError(() => parseSize('1.5'), "'1.5'", 'whole number of bytes');
    usageError(() => parseSize('1.0001K'), "'1.0001K'", 'whole number');
  });

  test('junk is rejected and the message quotes it', () => {
    for (const junk of ['', 'abc', 'K', '1X', '1KK', '1..5K', '0x10', '1e3', '1,5K', '.5K', '1K B2']) {
      usageError(() => parseSize(junk), `'${junk}'`, 'is not a size');
    }
  });

  test('negative sizes are rejected', () => {
    usageError(() => parseSize('-8'), "'-8'");
    usageError(() => parseSize('-1K'), "'-1K'");
  });

  test('the label names which size was wrong', () => {
    usageError(() => parseSize('zz', 'maximum size'), "maximum size 'zz'");
  });

  test('1 TiB is the largest accepted size', () => {
    assert.equal(parseSize('1024G'), TiB);
    usageError(() => parseSize('1025G'), "'1025G'", '1 TiB');
    usageError(() => parseSize('2T'), "'2T'", 'larger than 1 TiB');
    usageError(() => parseSize(String(TiB + 1)), String(TiB + 1), '1 TiB');
  });
});

describe('parseSizes: doubling ranges', () => {
  test('8:1G doubles from 8 B to 1 GiB inclusive (28 sizes)', () => {
    const s = parseSizes('8:1G');
    assert.equal(s.length, 28);
    assert.equal(s[0], 8);
    assert.equal(s[s.length - 1], GiB);
    for (let i = 1; i < s.length; i++) assert.equal(s[i], 2 * s[i - 1]);
  });

  test('a range that does not land on max stops below it', () => {
    assert.deepEqual(parseSizes('3:100'), [3, 6, 12, 24, 48, 96]);
  });

  test('min == max gives one size', () => {
    assert.deepEqual(parseSizes('4K:4K'), [4096]);
  });

  test('an explicit factor multiplies', () => {
    assert.deepEqual(parseSizes('1K:1M:4'), [KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB]);
    assert.deepEqual(parseSizes('1:1000:10'), [1, 10, 100, 1000]);
  });

  test('whitespace around the spec is ignored', () => {
    assert.deepEqual(parseSizes('  8:32 '), [8, 16, 32]);
  });
});

describe('parseSizes: linear ranges', () => {
  test('4K:64K:+4K adds 4 KiB each step (16 sizes)', () => {
    const s = parseSizes('4K:64K:+4K');
    assert.equal(s.length, 16);
    s.forEach((v, i) => assert.equal(v, (i + 1) * 4 * KiB));
  });

  test('a step that does not land on max stops below it', () => {
    assert.deepEqual(parseSizes('10:35:+10'), [10, 20, 30]);
  });

  test('exactly 10000 points is allowed, 10001 is not', () => {
    assert.equal(parseSizes('1:10000:+1').length, 10_000);
    usageError(() => parseSizes('1:10001:+1'), "'1:10001:+1'", 'more than 10000');
  });
});

describe('parseSizes: lists and single values', () => {
  test('a comma list is sorted and deduplicated', () => {
    assert.deepEqual(parseSizes('1M,8,1K,8,1024'), [8, KiB, MiB]);
  });

  test('list items may have spaces and suffixes', () => {
    assert.deepEqual(parseSizes('64K, 1.5K ,2'), [2, 1536, 64 * KiB]);
  });

  test('a single value', () => {
    assert.deepEqual(parseSizes('1G'), [GiB]);
    assert.deepEqual(parseSizes('7'), [7]);
  });
});

describe('parseSizes: errors', () => {
  test('empty or blank', () => {
    usageError(() => parseSizes(''), '--sizes is empty');
    usageError(() => parseSizes('   '), '--sizes is empty');
  });

  test('malformed ranges name the spec', () => {
    for (const spec of ['8:', ':8', '1:2:3:4', '8::2', ':'])
      usageError(() => parseSizes(spec), `'${spec}'`, 'malformed');
  });

  test('malformed endpoints name the endpoint', () => {
    usageError(() => parseSizes('8:1Q'), "maximum size '1Q'");
    usageError(() => parseSizes('x:1M'), "minimum size 'x'");
  });

  test('min larger than max', () => {
    usageError(() => parseSizes('1M:1K'), "'1M:1K'", '1 MiB', '1 KiB', 'swap');
  });

  test('factor below 2 or not whole', () => {
    usageError(() => parseSizes('1K:1M:1'), "'1K:1M:1'", 'factor');
    usageError(() => parseSizes('1K:1M:1.5'), "'1K:1M:1.5'", 'factor');
    usageError(() => parseSizes('1K:1M:0'), 'factor');
    usageError(() => parseSizes('1K:1M:x'), 'factor');
  });

  test('a zero or junk step', () => {
    usageError(() => parseSizes('1K:4K:+0'), "'1K:4K:+0'", 'step');
    usageError(() => parseSizes('1K:4K:+z'), "step 'z'");
  });

  test('zero sizes: 0 B is a size, and a range from 0 continues at 1 (OSU)', () => {
    assert.deepEqual(parseSizes('0'), [0]);
    assert.deepEqual(parseSizes('0:8'), [0, 1, 2, 4, 8]);
    assert.deepEqual(parseSizes('0:64:4'), [0, 1, 4, 16, 64]);
    assert.deepEqual(parseSizes('0:3K:+1K'), [0, 1024, 2048, 3072]);
    assert.deepEqual(parseSizes('8,0,16'), [0, 8, 16]);
  });

  test('junk inside a list names the item', () => {
    usageError(() => parseSizes('8,abc'), "'abc'");
    usageError(() => parseSizes('8,,16'), "''");
  });

  test('sizes above 1 TiB inside a range', () => {
    usageError(() => parseSizes('1G:2T'), "'2T'", '1 TiB');
  });
});

describe('formatBytes', () => {
  test('whole units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(8), '8 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(MiB), '1 MiB');
    assert.equal(formatBytes(GiB), '1 GiB');
    assert.equal(formatBytes(TiB), '1 TiB');
    assert.equal(formatBytes(64 * MiB), '64 MiB');
  });

  test('fractions get one decimal', () => {
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(MiB + MiB / 10), '1.1 MiB');
  });

  test('TiB is the largest unit', () => {
    assert.equal(formatBytes(2048 * TiB), '2048 TiB');
  });
});
