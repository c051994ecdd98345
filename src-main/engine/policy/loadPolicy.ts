// The policy in effect: every managed location read, each checked alone, merged (later sources
// win). An invalid or unreadable policy never leaves the machine unmanaged nor stops it: the last
// valid policy (kept in HAVRE_HOME) applies, or the defaults when there never was one, and the
// problem is reported to the user and to IT.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { IpcError } from '../../ipc/contract.js';
import { HavreError, errnoCode, isHavreError } from '../errors/index.js';
import { writeFileAtomic } from '../files/durable.js';
import { EMPTY_POLICY, type Policy } from './schema.js';
import { managedSources, type PolicySource } from './sources.js';
import { expandFolders, parsePolicy, policyProblems } from './validate.js';
import { recordForHome } from '../audit/index.js';

export interface EffectivePolicy {
  readonly policy: Policy;
  /** The locations that gave the policy in effect (empty: no policy). */
  readonly sources: readonly string[];
  /** What the user and IT should know: an invalid policy (and what applies instead), missing folders. */
  readonly problems: readonly IpcError[];
  /** 'last-valid' or 'defaults' when the current policy could not be used. */
  readonly fallback: 'none' | 'last-valid' | 'defaults';
}

interface LastValid {
  version: 1;
  savedAt: string;
  sources: string[];
  policy: Policy;
}

export function lastValidPolicyPath(home: string): string {
  return join(home, 'policy.last-valid.json');
}

export function ipcError(e: HavreError): IpcError {
  return { code: e.code, message: e.userMessage('en'), messageFr: e.userMessage('fr') };
}

/** Objects merge field by field; lists and values of a later document replace earlier ones. */
export function mergePolicies(docs: readonly Policy[]): Policy {
  const merge = (a: unknown, b: unknown): unknown => {
    if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  };
  return docs.reduce<Policy>((acc, d) => merge(acc, d) as Policy, EMPTY_POLICY);
}

/** What is kept for a later fallback: never the enrollment token (single use, and a secret). */
function withoutSecrets(p: Policy): Policy {
  if (!p.appliance?.enrollToken) return p;
  const { enrollToken: _token, ...appliance } = p.appliance;
  return { ...p, appliance };
}

async function readLastValid(home: string): Promise<LastValid | null> {
  try {
    const doc = JSON.parse(await readFile(lastValidPolicyPath(home), 'utf8')) as Partial<LastValid>;
    if (doc.version !== 1 || !doc.savedAt || !Array.isArray(doc.sources)) return null;
    return policyProblems(doc.policy, 'last valid policy').length === 0 ? (doc as LastValid) : null;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

async function saveLastValid(home: string, sources: string[], policy: Policy): Promise<void> {
  const kept = withoutSecrets(policy);
  const before = await readLastValid(home);
  if (before && JSON.stringify(before.policy) === JSON.stringify(kept) && JSON.stringify(before.sources) === JSON.stringify(sources)) return;
  const doc: LastValid = { version: 1, savedAt: new Date().toISOString(), sources, policy: kept };
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(lastValidPolicyPath(home), JSON.stringify(doc, null, 2) + '\n');
  // A new or changed policy is an operation of the audit log (issue 7): which parts changed, and
  // from where; never the values (a token, URLs).
  const was: Record<string, unknown> = { ...before?.policy };
  const now: Record<string, unknown> = { ...kept };
  const changed = Object.keys({ ...was, ...now }).filter((k) => k !== 'version' && JSON.stringify(was[k]) !== JSON.stringify(now[k])).sort();
  await recordForHome(home, 'policy.changed', { sources, parts: changed });
}

export interface LoadPolicyOptions {
  /** HAVRE_HOME: where the last valid policy is kept. */
  readonly home: string;
  readonly userHome?: string;
  /** The managed locations (default: this platform's). */
  readonly sources?: readonly PolicySource[];
}

export async function loadPolicy(opts: LoadPolicyOptions): Promise<EffectivePolicy> {
  const userHome = opts.userHome ?? homedir();
  const docs: Policy[] = [];
  const names: string[] = [];
  const bad: string[] = [];
  for (const source of opts.sources ?? managedSources()) {
    try {
      const doc = await source.read();
      if (doc === undefined) continue;
      docs.push(parsePolicy(doc, source.name, userHome));
      names.push(source.name);
    } catch (e) {
      if (isHavreError(e, 'POLICY_INVALID')) bad.push(String(e.params.detail));
      else if (isHavreError(e, 'POLICY_UNREADABLE')) bad.push(e.userMessage('en').replace(/\.$/, ''));
      else throw e;
    }
  }
  if (bad.length > 0) {
    const last = await readLastValid(opts.home);
    const fallback = last ? `the last valid policy (of ${last.savedAt.slice(0, 16).replace('T', ' ')} UTC)` : 'the defaults';
    const problem = ipcError(new HavreError('POLICY_FALLBACK', { detail: bad.join('; ').slice(0, 2000), fallback }));
    const policy = last?.policy ?? EMPTY_POLICY;
    return { policy, sources: last?.sources ?? [], problems: [problem, ...folderWarnings(policy, userHome)], fallback: last ? 'last-valid' : 'defaults' };
  }
  const policy = mergePolicies(docs);
  if (docs.length > 0) await saveLastValid(opts.home, names, policy);
  return { policy, sources: names, problems: folderWarnings(policy, userHome), fallback: 'none' };
}

/** A folder the policy protects that does not exist is kept (it may appear later) and reported. */
function folderWarnings(policy: Policy, userHome: string): IpcError[] {
  return expandFolders(policy.settings?.folders ?? [], userHome).filter((f) => !existsSync(f)).slice(0, 20)
    .map((path) => ipcError(new HavreError('POLICY_FOLDER_MISSING', { path })));
}
