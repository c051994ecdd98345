// RSA-3072 key pairs and RSA-OAEP (SHA-256, MGF1-SHA-256, empty label) wrapping of SECRET
// (FORMAT.md §3). 3072 bits: ANSSI guidance for protection beyond 2030.
import { constants, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, publicEncrypt } from 'node:crypto';
import { HavreError } from '../errors/index.js';

export const RSA_BITS = 3072;

/** Generates a key pair off the event loop. Public: SPKI DER; private: PKCS#8 DER. */
export function generateRsaKeyPair(): Promise<{ publicKey: Buffer; privateKey: Buffer }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: RSA_BITS,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    );
  });
}

/** Bits of an SPKI DER RSA public key, or null when it is not one. */
export function rsaPublicKeyBits(publicKeyDer: Buffer): number | null {
  try {
    const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'rsa') return null;
    return key.asymmetricKeyDetails?.modulusLength ?? null;
  } catch {
    return null;
  }
}

/** OAEP-encrypts `data` (a key) for a public key; refuses anything but RSA ≥ 3072. */
export function rsaWrap(publicKeyDer: Buffer, data: Buffer): Buffer {
  const bits = rsaPublicKeyBits(publicKeyDer);
  if (bits === null || bits < RSA_BITS) throw new HavreError('REPO_CONFIG_INVALID', { reason: 'public key is not RSA-3072 or larger' });
  // Node sets only the OAEP digest; OpenSSL then uses the same digest for MGF1 (checked by a test).
  const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
}

/** Reverses rsaWrap. Any failure (wrong key, damaged data) is INTEGRITY; no detail that could act as an oracle. */
export function rsaUnwrap(privateKeyDer: Buffer, wrapped: Buffer): Buffer {
  try {
    const key = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' });
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
  } catch {
    throw new HavreError('INTEGRITY', { what: 'wrapped repository key' });
  }
}
