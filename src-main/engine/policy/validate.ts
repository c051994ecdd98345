// Checks a policy document: shape by POLICY_SCHEMA (Ajv), meaning on top (patterns compile, windows
// have a length), the same rules as the user's own settings. Problems read "where: what is wrong".
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { settingsPatchProblem, type Settings } from '../../ipc/contract.js';
import { HavreError, isHavreError } from '../errors/index.js';
import { Exclusions } from '../settings/Exclusions.js';
import { POLICY_SCHEMA, type Policy, type PolicySettings } from './schema.js';

// Loaded (its CommonJS build, synchronously: about 35 ms) and compiled (about 55 ms) on first use:
// most commands never read a policy with content.
let compiled: ValidateFunction<Policy> | null = null;
function compiledSchema(): ValidateFunction<Policy> {
  if (compiled) return compiled;
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
  compiled = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile<Policy>(POLICY_SCHEMA);
  return compiled;
}

function schemaCheck(doc: unknown): { ok: true; doc: Policy } | { ok: false; errors: ErrorObject[] } {
  const check = compiledSchema();
  return check(doc) ? { ok: true, doc } : { ok: false, errors: check.errors ?? [] };
}

/** What each pattern means, said in words. */
const PATTERN_MEANING: readonly (readonly [string, string])[] = [
  ['enrollToken', 'is not an enrollment token (HVT1.…)'], ['folders', 'must be an absolute folder or start with ~/'], ['url', 'must be an https:// address'],
  ['start', 'must be a time HH:MM'], ['end', 'must be a time HH:MM'], ['endpoint', 'must be an http(s):// address'], ['clamd', 'must be unix:/path or tcp://host:port'],
  ['name', 'must be 1 to 32 lowercase letters, digits or dashes'],
];

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'policy' : e.instancePath.slice(1).replace(/\//g, '.');
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: “${String((e.params as { additionalProperty: string }).additionalProperty).slice(0, 80)}” is not a policy field`;
    case 'enum':
      return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return `${at}: ${PATTERN_MEANING.find(([end]) => at.endsWith(end) || at.includes(`${end}.`))?.[1] ?? `does not match ${(e.params as { pattern: string }).pattern}`}`;
    default:
      return `${at}: ${e.message ?? 'invalid'}`;
  }
}

/** The policy's folders for one user: `~/…` is that user's home. */
export function expandFolders(folders: readonly string[], userHome: string): string[] {
  return folders.map((f) => (f === '~' ? userHome : /^~[/\\]/.test(f) ? join(userHome, f.slice(2)) : f));
}

/** The policy's settings as the user's settings type (folders expanded). */
export function policySettings(p: PolicySettings | undefined, userHome: string): Partial<Settings> {
  if (!p) return {};
  const { folders, ...rest } = p;
  return folders ? { ...rest, folders: expandFolders(folders, userHome) } : { ...rest };
}

/**
 * Every problem of a policy document (an empty list: valid). `where` names the source (a file, a
 * registry key) so IT knows what to fix.
 */
export function policyProblems(doc: unknown, where: string, userHome = homedir()): string[] {
  const checked = schemaCheck(doc);
  if (!checked.ok) {
    // oneOf failures repeat each branch's complaint; a short list says enough.
    const seen = new Set<string>();
    for (const e of checked.errors) if (e.keyword !== 'oneOf' && !(e.keyword === 'type' && (e.params as { type: unknown }).type === 'null')) seen.add(describe(e));
    return [...seen].slice(0, 10).map((m) => `${where}: ${m}`);
  }
  const settings = policySettings(checked.doc.settings, userHome);
  const problem = settingsPatchProblem(settings);
  if (problem) return [`${where}: settings.${problem}`];
  const out: string[] = [];
  if (settings.window && settings.window.start === settings.window.end) out.push(`${where}: settings.window: start and end are the same time`);
  for (const r of settings.bandwidthRules ?? []) if (r.start === r.end) out.push(`${where}: settings.bandwidthRules: a rule starts and ends at ${r.start}`);
  try {
    if (settings.exclusions) new Exclusions({ exclusions: settings.exclusions, defaultExclusions: false, maxFileSizeMiB: null }, { home: userHome });
  } catch (e) {
    if (!isHavreError(e)) throw e;
    out.push(`${where}: settings.${String(e.params.detail)}`);
  }
  return out;
}

/** Throws POLICY_INVALID with every problem; returns the typed policy. */
export function parsePolicy(doc: unknown, where: string, userHome = homedir()): Policy {
  const problems = policyProblems(doc, where, userHome);
  if (problems.length > 0) throw new HavreError('POLICY_INVALID', { detail: problems.join('; ') });
  return doc as Policy;
}
