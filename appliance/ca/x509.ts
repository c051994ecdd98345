// Certificate building with @peculiar/x509, loaded only when a certificate is made (set-up,
// enrollment, renewal): reading the CA needs node:crypto alone, so the admin CLI starts fast.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { certFingerprint } from '../../src-main/engine/appliance/protocol.js';
import { ApplianceError } from '../errors/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
const YEAR = 365 * DAY;
const CA_YEARS = 20;
const SERVER_YEARS = 2;
const MACHINE_YEARS = 5;
/** Certificates start a day early: a workstation's clock a little behind must not refuse them. */
const BACKDATE = DAY;
const MIN_RSA_BITS = 2048;

export interface IssuedCertificate {
  readonly pem: string;
  readonly fingerprint: string;
  /** ms since the epoch */
  readonly notAfter: number;
}

export interface KeyAndCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, and never a leading zero byte
  return b.toString('hex');
}

function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label) + '\n';
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

export async function importCaKey(pem: string): Promise<CryptoKey> {
  return (await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), EC, false, ['sign'])) as CryptoKey;
}

/** A self-signed CA: ECDSA P-256, SHA-256, 20 years, may sign end-entity certificates only. */
export async function createCa(applianceId: string): Promise<KeyAndCertificate> {
  const keys = await newKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Havre appliance CA ${applianceId.slice(0, 8)}, O=Havre`,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + CA_YEARS * YEAR),
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: toPem(cert.rawData, 'CERTIFICATE'), keyPem: await keyPem(keys.privateKey) };
}

/** A server certificate (serverAuth) for DNS names and IP addresses, 2 years. */
export async function issueServer(caPem: string, caKey: CryptoKey, names: readonly string[]): Promise<KeyAndCertificate> {
  const ca = new x509.X509Certificate(caPem);
  const keys = await newKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0] ?? 'havre-appliance'}`,
    issuer: ca.subject,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + SERVER_YEARS * YEAR),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return { certPem: toPem(cert.rawData, 'CERTIFICATE'), keyPem: await keyPem(keys.privateKey) };
}

function checkRequestKey(spki: Buffer): void {
  let key;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new ApplianceError('BAD_REQUEST', { reason: 'csr public key cannot be read' });
  }
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1') return;
  if (key.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= MIN_RSA_BITS) return;
  throw new ApplianceError('BAD_REQUEST', { reason: 'csr key must be ECDSA P-256 or RSA of at least 2048 bits' });
}

/**
 * Signs a machine's PKCS#10 request: its signature must verify and its key be ECDSA P-256 or
 * RSA ≥ 2048. The subject is always CN=<machineId>, whatever the request says; clientAuth, 5 years.
 */
export async function signMachineRequest(caPem: string, caKey: CryptoKey, csrPem: string, machineId: string): Promise<IssuedCertificate> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new ApplianceError('BAD_REQUEST', { reason: 'csr is not a PKCS#10 certificate request' });
  }
  checkRequestKey(Buffer.from(csr.publicKey.rawData));
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch {
    valid = false; // an algorithm WebCrypto cannot verify is as good as a bad signature
  }
  if (!valid) throw new ApplianceError('BAD_REQUEST', { reason: 'csr signature does not verify' });
  const ca = new x509.X509Certificate(caPem);
  const now = Date.now();
  const rsa = csr.publicKey.algorithm.name.startsWith('RSA');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${machineId}`,
    issuer: ca.subject,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + MACHINE_YEARS * YEAR),
    publicKey: csr.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return { pem: toPem(cert.rawData, 'CERTIFICATE'), fingerprint: certFingerprint(new Uint8Array(cert.rawData)), notAfter: cert.notAfter.getTime() };
}
