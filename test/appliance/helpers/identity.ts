// TLS identities for tests: a machine's key pair and certificate request (what the client does at
// enrollment), and a "foreign" client certificate from a CA the appliance never saw.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { ClientIdentity } from './https.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A P-256 key and a PKCS#10 request signed by it; the subject is the client's wish, ignored. */
export async function newKeyAndCsr(subject = 'CN=whatever-the-client-says'): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await keyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: SIGN });
  return { keyPem: await pkcs8Pem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** A request whose signature does not verify: the signature bytes of another request. */
export async function forgedCsr(): Promise<string> {
  const a = new x509.Pkcs10CertificateRequest((await newKeyAndCsr()).csrPem);
  const b = new x509.Pkcs10CertificateRequest((await newKeyAndCsr()).csrPem);
  const der = new Uint8Array(a.rawData);
  const sigA = new Uint8Array(a.signature);
  const sigB = new Uint8Array(b.signature);
  // Swap in B's signature where A's sits (same length for P-256 DER signatures most of the time).
  const at = Buffer.from(der).lastIndexOf(Buffer.from(sigA));
  if (at < 0 || sigA.length !== sigB.length) return forgedCsr();
  der.set(sigB, at);
  return x509.PemConverter.encode(der.buffer, 'CERTIFICATE REQUEST');
}

/** A client certificate (clientAuth) issued by a throwaway CA, not the appliance's. */
export async function foreignIdentity(cn: string): Promise<ClientIdentity> {
  const caKeys = await keyPair();
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Some other CA',
    keys: caKeys,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 86_400_000 * 365),
    signingAlgorithm: SIGN,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${cn}`,
    issuer: ca.subject,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 86_400_000 * 365),
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}
