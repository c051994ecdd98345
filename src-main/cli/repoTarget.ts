// Where the repository is, from --repo or Havre's home config. Light on purpose: the early unlock
// (earlyUnlock.ts) asks it before the command's modules load.
import { resolve } from 'node:path';
import { HavreError } from '../engine/errors/index.js';
import { isApplianceRef, isS3Ref, readHomeConfig, type ApplianceRepoRef, type S3TargetRef } from '../engine/home/homeConfig.js';

/** Where the repository is: a folder, this machine's repository on its appliance, or a bucket. */
export type RepoTarget = { readonly kind: 'fs'; readonly path: string } | { readonly kind: 'appliance'; readonly ref: ApplianceRepoRef }
  | { readonly kind: 's3'; readonly ref: S3TargetRef };

/** The folder named by --repo, else the configured repository; NO_REPO_CONFIGURED when there is none. */
export async function repoTarget(repoFlag: string | undefined, home: string): Promise<RepoTarget> {
  if (repoFlag) return { kind: 'fs', path: resolve(repoFlag) };
  const cfg = await readHomeConfig(home);
  if (!cfg.repo) throw new HavreError('NO_REPO_CONFIGURED');
  if (isApplianceRef(cfg.repo)) return { kind: 'appliance', ref: cfg.repo };
  return isS3Ref(cfg.repo) ? { kind: 's3', ref: cfg.repo } : { kind: 'fs', path: cfg.repo.path };
}
