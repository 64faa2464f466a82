import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58btcDecode, base58btcEncode, decodeMultikey, encodeMultikey } from '../query-vocab/multikey.ts';
import type { Contribution, PartialAggregate } from '../query-vocab/types.ts';
import { ProtocolError } from '../agent/core/errors.ts';
import { generateKeys } from '../agent/core/keys.ts';
import { seededRandom } from '../agent/core/random.ts';
import { ReplayGuard, messageKey } from '../agent/core/replay.ts';
import { open, seal, sharedSecret, type SealContext } from '../agent/core/seal.ts';
import { canonicalBytes, signMessage, verifyMessage } from '../agent/core/sign.ts';
import { sign, verify } from '../agent/core/ed25519.ts';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;
const alice = generateKeys(seededRandom('alice'));
const bob = generateKeys(seededRandom('bob'));
const ctx: SealContext = {
  query: 'https://q.example/queries/1#it',
  group: 'g.0',
  position: 2,
  sender: 'https://alice.example/profile/card#me',
  recipient: 'https://bob.example/profile/card#me',
  kind: 'share',
};

test('keys are deterministic under a seeded source and their Multikey strings (query-vocab) round-trip', () => {
  assert.deepEqual(generateKeys(seededRandom('alice')), alice);
  for (const kind of ['x25519', 'ed25519'] as const) {
    const mb = encodeMultikey(kind, alice[kind].publicKey);
    assert.ok(mb.startsWith(kind === 'x25519' ? 'z6LS' : 'z6Mk'), mb); // the well-known Multikey prefixes
    assert.deepEqual(decodeMultikey(kind, mb), alice[kind].publicKey);
  }
  assert.throws(() => decodeMultikey('x25519', encodeMultikey('ed25519', alice.ed25519.publicKey)), /not a x25519/);
  assert.throws(() => decodeMultikey('x25519', 'z0OIl'), /not a base58btc digit/);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => assert.deepEqual(base58btcDecode(base58btcEncode(b)), b)));
  assert.equal(base58btcEncode(new Uint8Array([0, 0, 1])), '112');
});

// Low-order points of Curve25519 (u = 0, 1, an order-8 point) and p + 1, which reduces to 1.
const LOW_ORDER = ['00', '01', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'].map(
  (h) => Uint8Array.from(Buffer.from(h.padEnd(64, '0'), 'hex')),
);

test('the node:crypto X25519 agreement equals @noble/curves for random keys', () => {
  // fast-check also tries all-zero and other degenerate arrays, where both must refuse.
  const outcome = (f: () => Uint8Array) => {
    try {
      return Buffer.from(f()).toString('hex');
    } catch {
      return 'refused';
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
      const pk = x25519.getPublicKey(b);
      assert.deepEqual(sharedSecret(a, pk), x25519.getSharedSecret(a, pk));
      // Any 32 bytes as the public key, including u ≥ p and the top bit set.
      assert.equal(outcome(() => sharedSecret(a, b)), outcome(() => x25519.getSharedSecret(a, b)));
    }),
    { numRuns: 300 },
  );
  // Imported keys are cached per array, but an array rewritten with another key is not stale.
  const scratch = alice.x25519.secretKey.slice();
  assert.deepEqual(sharedSecret(scratch, bob.x25519.publicKey), x25519.getSharedSecret(alice.x25519.secretKey, bob.x25519.publicKey));
  scratch.set(bob.x25519.secretKey);
  assert.deepEqual(sharedSecret(scratch, alice.x25519.publicKey), x25519.getSharedSecret(bob.x25519.secretKey, alice.x25519.publicKey));
});

test('a low-order X25519 key (all-zero shared secret) is rejected as bad input, sealing or opening', () => {
  const sealed = seal(new Uint8Array([1, 2, 3]), bob.x25519.publicKey, ctx);
  for (const point of LOW_ORDER) {
    assert.throws(() => sharedSecret(alice.x25519.secretKey, point), code('bad-input'));
    assert.throws(() => seal(new Uint8Array([1]), point, ctx), code('bad-input'));
    const bad = sealed.slice();
    bad.set(point, 9); // the ephemeral public key
    assert.throws(() => open(bad, bob.x25519.secretKey, ctx), code('bad-input'));
  }
});

test('seal/open round-trips any payload', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer(), (payload, s) => {
      const sealed = seal(payload, bob.x25519.publicKey, ctx, seededRandom(s));
      assert.equal(sealed.length, payload.length + 1 + 8 + 32 + 12 + 16);
      assert.deepEqual(open(sealed, bob.x25519.secretKey, ctx), payload);
    }),
  );
});

test('a flipped bit anywhere is rejected as tampered', () => {
  const sealed = seal(new Uint8Array(64).fill(7), bob.x25519.publicKey, ctx, seededRandom(9));
  fc.assert(
    fc.property(fc.integer({ min: 9, max: sealed.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
      const bad = sealed.slice();
      bad[at] ^= 1 << bit;
      assert.throws(() => open(bad, bob.x25519.secretKey, ctx), code('tampered'));
    }),
  );
});

test('wrong recipient, changed associated data and malformed input each have their own code', () => {
  const sealed = seal(new Uint8Array([1, 2, 3]), bob.x25519.publicKey, ctx);
  assert.throws(() => open(sealed, alice.x25519.secretKey, ctx), code('wrong-recipient'));
  for (const change of [{ query: 'other' }, { group: 'g.1' }, { position: 3 }, { sender: 'x' }, { recipient: 'y' }, { kind: 'partial' }]) {
    assert.throws(() => open(sealed, bob.x25519.secretKey, { ...ctx, ...change }), code('tampered'), JSON.stringify(change));
  }
  assert.throws(() => open(sealed.subarray(0, 40), bob.x25519.secretKey, ctx), code('bad-input'));
  const version = sealed.slice();
  version[0] = 9;
  assert.throws(() => open(version, bob.x25519.secretKey, ctx), code('bad-input'));
});

const unsigned: Omit<Contribution, 'signature'> = {
  type: 'Contribution',
  query: ctx.query,
  sender: ctx.sender,
  recipient: ctx.recipient,
  sentAt: '2025-01-01T00:00:00.000Z',
  group: 'g.0',
  position: 2,
  consent: 'https://alice.example/consent/log#d1',
  sealed: new Uint8Array([1, 2, 3, 250]),
};

test('canonical bytes are sorted-key JSON with bytes as base64 and no signature', () => {
  const text = new TextDecoder().decode(canonicalBytes({ ...unsigned, signature: new Uint8Array(64) } as Omit<Contribution, 'signature'>));
  assert.equal(
    text,
    '{"consent":"https://alice.example/consent/log#d1","group":"g.0","position":2,"query":"https://q.example/queries/1#it",' +
      '"recipient":"https://bob.example/profile/card#me","sealed":"AQID+g==","sender":"https://alice.example/profile/card#me",' +
      '"sentAt":"2025-01-01T00:00:00.000Z","type":"Contribution"}',
  );
  const shuffled = Object.fromEntries(Object.entries(unsigned).reverse()) as Omit<Contribution, 'signature'>;
  assert.deepEqual(canonicalBytes(shuffled), canonicalBytes(unsigned));
});

test('node:crypto Ed25519 signs as RFC 8032 and @noble/curves do, and each verifies the other', () => {
  // RFC 8032 §7.1, test 2: one-byte message 0x72.
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const secret = hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
  const expected = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';
  assert.equal(Buffer.from(sign(hex('72'), secret)).toString('hex'), expected);
  assert.ok(verify(hex(expected), hex('72'), ed25519.getPublicKey(secret)));
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, data) => {
    const pub = ed25519.getPublicKey(seed);
    const ours = sign(data, seed);
    assert.deepEqual(ours, ed25519.sign(data, seed));
    assert.ok(ed25519.verify(ours, data, pub) && verify(ours, data, pub));
    const bad = ours.slice();
    bad[0] ^= 1;
    assert.equal(verify(bad, data, pub), false);
  }), { numRuns: 50 });
  assert.equal(verify(new Uint8Array(63), hex('72'), ed25519.getPublicKey(secret)), false, 'a short signature');
  assert.equal(verify(hex(expected), hex('72'), new Uint8Array(31)), false, 'a short key');
});

test('signed messages verify; a forged signature, a changed field or another key is rejected', () => {
  const m = signMessage<Contribution>(unsigned, alice.ed25519.secretKey);
  verifyMessage(m, alice.ed25519.publicKey);
  assert.throws(() => verifyMessage(m, bob.ed25519.publicKey), code('bad-signature'));
  assert.throws(() => verifyMessage({ ...m, position: 3 }, alice.ed25519.publicKey), code('bad-signature'));
  assert.throws(() => verifyMessage({ ...m, sealed: new Uint8Array([1, 2, 3, 251]) }, alice.ed25519.publicKey), code('bad-signature'));
  const forged = signMessage<Contribution>(unsigned, bob.ed25519.secretKey); // bob signs as alice
  assert.throws(() => verifyMessage(forged, alice.ed25519.publicKey), code('bad-signature'));
  assert.throws(() => verifyMessage({ ...m, signature: new Uint8Array(3) }, alice.ed25519.publicKey), code('bad-signature'));
});

test('replays are refused, conflicting duplicates are flagged, and the guard survives a snapshot', () => {
  const m = signMessage<Contribution>(unsigned, alice.ed25519.secretKey);
  const guard = new ReplayGuard();
  guard.check(m); // checks only: the run records a message once it is accepted
  guard.record(m);
  assert.throws(() => guard.check(m), code('replayed'));
  // A retransmission with a new timestamp is still the same message.
  assert.throws(() => guard.check(signMessage<Contribution>({ ...unsigned, sentAt: '2025-01-01T00:00:09.000Z' }, alice.ed25519.secretKey)), code('replayed'));
  const other = signMessage<Contribution>({ ...unsigned, sealed: new Uint8Array([9]) }, alice.ed25519.secretKey);
  assert.throws(() => guard.check(other), code('duplicate-contribution'));
  guard.check(signMessage<Contribution>({ ...unsigned, position: 3 }, alice.ed25519.secretKey)); // another slot
  const restored = new ReplayGuard(JSON.parse(JSON.stringify(guard.snapshot())) as string[]);
  assert.throws(() => restored.check(m), code('replayed'));
  assert.throws(() => restored.check(other), code('duplicate-contribution'));

  const partial: Omit<PartialAggregate, 'signature'> = {
    type: 'PartialAggregate', query: ctx.query, sender: ctx.sender, recipient: ctx.recipient, sentAt: unsigned.sentAt,
    group: 'g.0', position: 1, versionId: 'v1', counter: 0, included: 3, received: 3, sealed: new Uint8Array(1),
  };
  const p0 = signMessage<PartialAggregate>(partial, alice.ed25519.secretKey);
  const p1 = signMessage<PartialAggregate>({ ...partial, counter: 1, versionId: 'v2' }, alice.ed25519.secretKey);
  assert.notEqual(messageKey(p0), messageKey(p1)); // a corrected version is a new message
  guard.check(p0);
  guard.check(p1);
  // One sender, several messages: each is its own entry, before and after a snapshot.
  guard.record(p0);
  guard.record(p1);
  const p1Changed = signMessage<PartialAggregate>({ ...partial, counter: 1, versionId: 'v3' }, alice.ed25519.secretKey);
  // Live first (messages compared field by field), then restored (digests and keys).
  for (const make of [() => guard, () => new ReplayGuard(guard.snapshot())]) {
    const g = make();
    assert.throws(() => g.check(m), code('replayed'));
    assert.throws(() => g.check(p0), code('replayed'));
    assert.throws(() => g.check(p1), code('replayed'));
    assert.throws(() => g.check(p1Changed), code('duplicate-contribution'));
    g.check(signMessage<PartialAggregate>({ ...partial, counter: 2, versionId: 'v4' }, alice.ed25519.secretKey));
    assert.equal(g.snapshot().length, 3);
  }
  assert.throws(() => new ReplayGuard([`${'0'.repeat(64)} not a key`]), code('bad-input'));
});
