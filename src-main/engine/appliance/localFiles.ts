// Where an enrolled machine keeps what it needs to reach its appliance. Public material only goes to
// disk (the CA and the machine certificate, in Havre's home); the two private items go to the OS
// keychain: POSTE_PRIV_AES and the TLS private key (DESIGN.md §3).
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../files/durable.js';
import { HavreError, errnoCode } from '../errors/index.js';
import type { ApplianceRepoRef } from '../home/homeConfig.js';
import { pemFingerprint } from './pinning.js';

export function applianceDir(home: string, applianceId: string): string {
  return join(home, 'appliances', applianceId);
}

export function caFile(home: string, applianceId: string): string {
  return join(applianceDir(home, applianceId), 'ca.pem');
}

export function certFile(home: string, applianceId: string, machineId: string): string {
  return join(applianceDir(home, applianceId), `${machineId}.cert.pem`);
}

/** Who this machine was enrolled for (public: the names the appliance shows), for the password fallback. */
export function machineInfoFile(home: string, applianceId: string, machineId: string): string {
  return join(applianceDir(home, applianceId), `${machineId}.json`);
}

export interface MachineInfo {
  readonly user: string;
  readonly host: string;
}

export async function readMachineInfo(home: string, ref: Pick<ApplianceRepoRef, 'applianceId' | 'machineId'>): Promise<MachineInfo | null> {
  try {
    const o = JSON.parse(await readFile(machineInfoFile(home, ref.applianceId, ref.machineId), 'utf8')) as Partial<MachineInfo>;
    return typeof o.user === 'string' && typeof o.host === 'string' ? { user: o.user, host: o.host } : null;
  } catch {
    return null;
  }
}

export function spoolDir(home: string, machineId: string): string {
  return join(home, 'spool', machineId);
}

/** Keychain account of POSTE_PRIV_AES. */
export function posteAccount(machineId: string): string {
  return `appliance-${machineId}-poste`;
}

/** Keychain account of the TLS private key (PKCS#8 DER). */
export function tlsAccount(machineId: string): string {
  return `appliance-${machineId}-tls`;
}

/** Writes a small public file (a certificate, the machine's names) durably. */
export async function writePublicFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, text, 0o644);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new HavreError('NOT_ENROLLED', {}, { cause: new HavreError('STORE_UNAVAILABLE', { path, reason: `${what} is missing` }) });
    throw e;
  }
}

/** The pinned CA of an enrolled machine, checked against the fingerprint in the home config. */
export async function readPinnedCa(home: string, ref: Pick<ApplianceRepoRef, 'applianceId' | 'caFingerprint' | 'url'>): Promise<string> {
  const pem = await readText(caFile(home, ref.applianceId), 'the appliance CA certificate');
  if (pemFingerprint(pem) !== ref.caFingerprint) {
    throw new HavreError('APPLIANCE_CERT_MISMATCH', { url: ref.url, reason: `${caFile(home, ref.applianceId)} is not the CA this machine pinned` });
  }
  return pem;
}

export async function readMachineCert(home: string, ref: Pick<ApplianceRepoRef, 'applianceId' | 'machineId'>): Promise<string> {
  return readText(certFile(home, ref.applianceId, ref.machineId), 'this machine’s certificate');
}

/**
 * Present while this machine's user has no restore password (a silent enrollment): the engine shows
 * RESTORE_PASSWORD_UNSET until setRestorePassword removes it. A hint, not a secret.
 */
export function restorePasswordReminderFile(home: string): string {
  return join(home, 'restore-password-unset.json');
}
