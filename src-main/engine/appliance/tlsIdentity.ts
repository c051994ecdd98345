// This machine's TLS identity on the appliance (PROTOCOL.md §4 step 2): an ECDSA P-256 key pair
// made here, and a PKCS#10 request signed by it. The private key never leaves the workstation: it
// goes to the OS keychain as PKCS#8 DER, and the appliance signs a certificate for the public half.
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';
import { HavreError } from '../errors/index.js';

// The library is typed against the DOM's Crypto; Node's webcrypto is the same API.
type LibCrypto = Parameters<typeof X509.cryptoProvider.set>[0];
type LibKeys = Parameters<typeof X509.Pkcs10CertificateRequestGenerator.create>[0]['keys'];

let lib: typeof X509 | null = null;
/**
 * @peculiar/x509, loaded at first use (its CommonJS build, synchronously): it is about 0.1 s of
 * start-up that a run without certificates to read never needs.
 */
function x509(): typeof X509 {
  if (lib) return lib;
  const require = createRequire(import.meta.url);
  require('reflect-metadata'); // @peculiar/x509 (through tsyringe) needs it loaded first
  const loaded = require('@peculiar/x509') as typeof X509;
  loaded.cryptoProvider.set(webcrypto as unknown as LibCrypto);
  lib = loaded;
  return loaded;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TlsIdentity {
  /** PKCS#8 DER; the caller stores it in the keychain and wipes it. */
  readonly privateKey: Buffer;
  /** PKCS#10 request, PEM. */
  readonly csr: string;
}

/**
 * A fresh key pair and its certificate request. The subject is informative only (the appliance
 * names the machine `CN=<machineId>`), so it carries no user or host name.
 */
export async function createTlsIdentity(): Promise<TlsIdentity> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const request = await x509().Pkcs10CertificateRequestGenerator.create({
    name: 'CN=havre-machine',
    keys: keys as unknown as LibKeys,
    signingAlgorithm: ALGORITHM,
  });
  const privateKey = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { privateKey, csr: request.toString('pem') };
}

/** The DER of the first certificate in a PEM text (for fingerprints). */
export function certificateDer(pemText: string): Buffer {
  try {
    return Buffer.from(new (x509().X509Certificate)(pemText).rawData);
  } catch {
    throw new HavreError('APPLIANCE_ERROR', { status: 'invalid answer', code: 'no code', reason: 'not a PEM certificate' });
  }
}

/** Whether `certPem` is a certificate for the public half of `privateKeyDer` (PKCS#8). */
export function certificateMatchesKey(certPem: string, privateKeyDer: Buffer): boolean {
  try {
    const cert = new (x509().X509Certificate)(certPem);
    const certSpki = Buffer.from(cert.publicKey.rawData);
    const ownSpki = createPublicKey(createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    return certSpki.equals(ownSpki);
  } catch {
    return false;
  }
}
