// A cloud target's access key (DESIGN.md §4: one credential per machine): in the OS keychain,
// never in a file. Headless machines may give it in the environment instead.
import { HavreError, isHavreError } from '../errors/index.js';
import type { S3TargetRef } from '../home/homeConfig.js';
import type { Keychain } from '../keychain/index.js';
import type { S3Credentials } from '../store/s3/index.js';

export const ENV_ACCESS_KEY_ID = 'HAVRE_S3_ACCESS_KEY_ID';
export const ENV_SECRET_ACCESS_KEY = 'HAVRE_S3_SECRET_ACCESS_KEY';
export const ENV_SESSION_TOKEN = 'HAVRE_S3_SESSION_TOKEN';

/** The keychain entry of a target: one per repository and target name. */
export function s3Account(ref: Pick<S3TargetRef, 'repoId' | 'name'>): string {
  return `s3-${ref.repoId}-${ref.name}`;
}

/** Credentials from the environment, when both parts are there. */
export function s3CredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Credentials | null {
  const accessKeyId = env[ENV_ACCESS_KEY_ID];
  const secretAccessKey = env[ENV_SECRET_ACCESS_KEY];
  if (!accessKeyId || !secretAccessKey) return null;
  const sessionToken = env[ENV_SESSION_TOKEN];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

export async function saveS3Credentials(keychain: Keychain, ref: Pick<S3TargetRef, 'repoId' | 'name'>, c: S3Credentials): Promise<void> {
  const bytes = Buffer.from(JSON.stringify({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) }), 'utf8');
  try {
    await keychain.setSecret(s3Account(ref), bytes);
  } finally {
    bytes.fill(0);
  }
}

export async function deleteS3Credentials(keychain: Keychain, ref: Pick<S3TargetRef, 'repoId' | 'name'>): Promise<void> {
  await keychain.deleteSecret(s3Account(ref));
}

/** The environment's credentials, else the keychain's; S3_NEEDS_CREDENTIALS when neither has them. */
export async function loadS3Credentials(keychain: Keychain | null, ref: S3TargetRef, keychainReason?: string): Promise<S3Credentials> {
  const fromEnv = s3CredentialsFromEnv();
  if (fromEnv) return fromEnv;
  if (!keychain) throw new HavreError('S3_NEEDS_CREDENTIALS', { target: ref.name, reason: keychainReason ?? 'none on this computer' });
  let bytes: Buffer | null;
  try {
    bytes = await keychain.getSecret(s3Account(ref));
  } catch (e) {
    if (!isHavreError(e)) throw e;
    throw new HavreError('S3_NEEDS_CREDENTIALS', { target: ref.name, reason: e.message });
  }
  if (!bytes) throw new HavreError('S3_NEEDS_CREDENTIALS', { target: ref.name, reason: 'no entry' });
  try {
    const o = JSON.parse(bytes.toString('utf8')) as Partial<S3Credentials>;
    if (typeof o.accessKeyId !== 'string' || typeof o.secretAccessKey !== 'string') throw new Error('shape');
    return { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, ...(typeof o.sessionToken === 'string' ? { sessionToken: o.sessionToken } : {}) };
  } catch {
    throw new HavreError('S3_NEEDS_CREDENTIALS', { target: ref.name, reason: 'the keychain entry is damaged' });
  } finally {
    bytes.fill(0);
  }
}
