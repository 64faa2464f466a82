import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
const SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const agree = (s: Uint8Array, p: Uint8Array) => diffieHellman({
  privateKey: createPrivateKey({ key: Buffer.concat([PKCS8, s]), format: 'der', type: 'pkcs8' }),
  publicKey: createPublicKey({ key: Buffer.concat([SPKI, p]), format: 'der', type: 'spki' }) });
const s = randomBytes(32);
for (const p of [new Uint8Array(32), Uint8Array.from([1, ...new Array(31).fill(0)])]) {
  try { console.log('node', agree(s, p)); } catch (e) { console.log('node throws', (e as Error).message); }
  try { console.log('noble', x25519.getSharedSecret(s, p)); } catch (e) { console.log('noble throws', (e as Error).message); }
}
let t = performance.now();
for (let i = 0; i < 20000; i++) agree(randomBytes(32), x25519.getPublicKey(s).length ? s : s);
console.log('20000 agreements (w/ key import) ms', performance.now() - t);
const priv = createPrivateKey({ key: Buffer.concat([PKCS8, s]), format: 'der', type: 'pkcs8' });
const pk = x25519.getPublicKey(randomBytes(32));
t = performance.now();
for (let i = 0; i < 20000; i++) createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' });
console.log('20000 pub imports ms', performance.now() - t);
t = performance.now();
for (let i = 0; i < 20000; i++) createPrivateKey({ key: Buffer.concat([PKCS8, s]), format: 'der', type: 'pkcs8' });
console.log('20000 priv imports ms', performance.now() - t);
t = performance.now();
for (let i = 0; i < 2000; i++) x25519.getPublicKey(randomBytes(32));
console.log('2000 noble getPublicKey ms', performance.now() - t);
