// The control plane's proofs and secrets (src/control/auth.ts, native/addon_auth.cc): the addon's
// HMAC-SHA256 against RFC 4231 and node:crypto (keys longer than a block included), its randomness, the constant-time compare.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { newSecret, nonce, proof, proofMatches, sameText } from '../src/control/auth.js';
import { loadAddon } from '../src/native/addon.js';

describe('control-plane authentication', () => {
  const addon = loadAddon();

  test("HMAC-SHA256 gives RFC 4231's result (test case 2)", () => {
    assert.equal(
      addon.hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('HMAC-SHA256 agrees with node:crypto at every length around the block boundaries', () => {
    for (const k of [0, 1, 32, 63, 64, 65, 200])
      for (const m of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000]) {
        const key = 'k'.repeat(k);
        const msg = 'ü'.repeat(m); // two UTF-8 bytes each
        assert.equal(addon.hmacSha256Hex(key, msg), createHmac('sha256', key).update(msg).digest('hex'), `${k} ${m}`);
      }
  });

  test('secrets and nonces are fresh hex of their size', () => {
    const s = new Set(Array.from({ length: 100 }, () => newSecret()));
    assert.equal(s.size, 100);
    for (const x of s) assert.match(x, /^[0-9a-f]{64}$/);
    assert.match(nonce(), /^[0-9a-f]{32}$/);
  });

  test('a proof matches only itself', () => {
    const p = proof('secret', 'client', 'a'.repeat(32), 'b'.repeat(32), 3);
    assert.ok(proofMatches(p, p));
    assert.ok(!proofMatches(p, proof('secret', 'client', 'a'.repeat(32), 'b'.repeat(32), 4)));
    assert.ok(!proofMatches(p, proof('secret', 'server', 'a'.repeat(32), 'b'.repeat(32), 3)));
    assert.ok(!proofMatches(p, proof('other', 'client', 'a'.repeat(32), 'b'.repeat(32), 3)));
    assert.ok(!proofMatches(p, p.slice(1)));
    assert.ok(!proofMatches(p, 42));
    assert.ok(sameText('', '') && !sameText('ab', 'ac') && !sameText('a', 'ab'));
  });
});
