// Sealed boxes (crypto_box_seal) of the round-2 shares: interoperability with PyNaCl's SealedBox,
// both ways, with the ES module and the committed bundle; refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as box from '../src/trustee-box.mjs';
import { hex, loadTrusteeBundle, NO_PYTHON, python, unhex } from './trustee-helpers.mjs';

const PY_OPEN = `
import json, sys
from nacl.public import PrivateKey, SealedBox
d = json.load(sys.stdin)
print(json.dumps([SealedBox(PrivateKey(bytes.fromhex(d["sk"]))).decrypt(bytes.fromhex(c)).decode()
                  for c in d["sealed"]]))
`;

const PY_SEAL = `
import json, sys
from nacl.public import PrivateKey, PublicKey, SealedBox
d = json.load(sys.stdin)
sk = PrivateKey.generate()
out = {"sk": bytes(sk).hex(), "pk": bytes(sk.public_key).hex(),
       "to_js": bytes(SealedBox(PublicKey(bytes.fromhex(d["pk"]))).encrypt(d["text"].encode())).hex()}
print(json.dumps(out))
`;

describe('sealed boxes interoperate with PyNaCl', { skip: NO_PYTHON }, () => {
  for (const [name, api] of [['modules', box], ['bundle', loadTrusteeBundle()]]) {
    it(`${name}: JS seals, PyNaCl opens; PyNaCl seals, JS opens`, () => {
      const me = api.boxKeyPair();
      const py = python(PY_SEAL, { pk: hex(me.publicKey), text: '{"from":"a","to":"b","share":"é"}' });
      const opened = api.sealedBoxOpen(unhex(py.to_js), me.secretKey);
      assert.equal(new TextDecoder().decode(opened), '{"from":"a","to":"b","share":"é"}');
      const texts = ['', 'x', '{"from":"assesseur-1","to":"assesseur-2","share":"00ff"}', 'é'.repeat(300)];
      const sealed = texts.map((t) => hex(api.sealedBoxSeal(new TextEncoder().encode(t), unhex(py.pk))));
      assert.deepEqual(python(PY_OPEN, { sk: py.sk, sealed }), texts);
    });
  }
});

describe('sealed boxes refuse', () => {
  const alice = box.boxKeyPair();
  const bob = box.boxKeyPair();
  const sealed = box.sealedBoxSeal(new TextEncoder().encode('part secrète'), alice.publicKey);

  it('another recipient', () => {
    assert.throws(() => box.sealedBoxOpen(sealed, bob.secretKey), /destinataire différent/);
  });
  it('a modified box', () => {
    for (const at of [0, 40, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at] ^= 1;
      assert.throws(() => box.sealedBoxOpen(bad, alice.secretKey), { name: 'ScrutinError' });
    }
  });
  it('a truncated box and keys of the wrong size', () => {
    assert.throws(() => box.sealedBoxOpen(sealed.subarray(0, 47), alice.secretKey), /trop courte/);
    assert.throws(() => box.sealedBoxSeal(new Uint8Array(1), new Uint8Array(31)), /32 octets/);
  });
  it('opens what it sealed, and each seal is fresh', () => {
    const again = box.sealedBoxSeal(new TextEncoder().encode('part secrète'), alice.publicKey);
    assert.notEqual(hex(again), hex(sealed));
    assert.equal(new TextDecoder().decode(box.sealedBoxOpen(again, alice.secretKey)), 'part secrète');
  });
});
