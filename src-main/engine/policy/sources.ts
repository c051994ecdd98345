// Where IT puts the policy on each platform (docs/DEPLOYMENT.md, "Policy"), lowest precedence
// first: a file the installer or IT drops, then what the management system writes (Group Policy /
// Intune in the registry, MDM configuration profiles in managed preferences).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { promisify } from 'node:util';
import { HavreError, errnoCode, isHavreError } from '../errors/index.js';
import { parseRegQuery, registryToPolicy } from './registry.js';

export interface PolicySource {
  /** Where it is, as IT would look for it: a path or a registry key. */
  readonly name: string;
  /** The file, for a file source: a running engine watches it (a registry key is re-read on a timer). */
  readonly path?: string;
  /** The document, or undefined when nothing is there. Throws POLICY_UNREADABLE. */
  read(): Promise<unknown>;
}

export const REGISTRY_KEY = 'HKLM\\SOFTWARE\\Policies\\Havre';
export const MAC_DOMAIN = 'fr.havre.client';
const MAX_POLICY_BYTES = 1024 * 1024;

async function readBounded(path: string, name: string): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_POLICY_BYTES) throw new HavreError('POLICY_UNREADABLE', { source: name, reason: 'larger than 1 MiB' });
    return bytes;
  } catch (e) {
    if (isHavreError(e)) throw e;
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code) throw new HavreError('POLICY_UNREADABLE', { source: name, reason: code });
    throw e;
  }
}

/**
 * Runs a synchronous parse with console.warn and console.error silenced: xmldom (under `plist`)
 * prints every XML error of a damaged file there, and offers no handler through `plist`; the error
 * that matters is thrown, and reported as POLICY_UNREADABLE. Synchronous, so nothing else can log
 * in between.
 */
function quietly<T>(parse: () => T): T {
  const { warn, error } = console;
  console.warn = () => undefined;
  console.error = () => undefined;
  try {
    return parse();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

/**
 * The document in a policy file's bytes (JSON, or a plist: binary as MCX writes it, XML, or a whole
 * configuration profile). What cannot be read is POLICY_UNREADABLE naming `source`, whatever the
 * parser threw.
 */
export async function parsePolicyBytes(bytes: Buffer, format: 'json' | 'plist', source: string): Promise<unknown> {
  try {
    if (format === 'json') return JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
    // Loaded here (about 40 ms with xmldom): only a Mac's policy is a plist, and most runs find no policy file.
    const plist = await import('plist');
    return payloadOf(bytes.subarray(0, 8).toString('latin1') === 'bplist00' ? plist.parseBinary(bytes) : quietly(() => plist.parse(bytes.toString('utf8'))));
  } catch (e) {
    const what = format === 'json' ? 'not valid JSON' : 'not a property list';
    throw new HavreError('POLICY_UNREADABLE', { source, reason: `${what}: ${e instanceof Error ? e.message.slice(0, 120) : 'syntax error'}` });
  }
}

/** A policy file: absent is no policy. */
function fileSource(path: string, format: 'json' | 'plist'): PolicySource {
  return {
    name: path,
    path,
    async read() {
      const bytes = await readBounded(path, path);
      return bytes === undefined ? undefined : parsePolicyBytes(bytes, format, path);
    },
  };
}

export function jsonFileSource(path: string): PolicySource {
  return fileSource(path, 'json');
}

/** Keys a configuration profile's payload carries besides the settings themselves. */
const PAYLOAD_KEY = /^Payload[A-Z]/;

/** A managed-preferences plist (binary as MCX writes it, or XML). */
export function plistFileSource(path: string): PolicySource {
  return fileSource(path, 'plist');
}

/**
 * Managed preferences hold the payload's keys; a whole configuration profile (.mobileconfig, checked
 * with `havre policy check`) holds them in its PayloadContent entry for our domain.
 */
function payloadOf(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const content = (doc as { PayloadContent?: unknown }).PayloadContent;
  if (Array.isArray(content)) {
    const ours = content.find((p: unknown) => typeof p === 'object' && p !== null && (p as { PayloadType?: unknown }).PayloadType === MAC_DOMAIN) as unknown;
    if (ours !== undefined) return payloadOf(ours);
  }
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !PAYLOAD_KEY.test(k)));
}

export type RunReg = (args: readonly string[]) => Promise<{ stdout: string; code: number }>;

const runReg: RunReg = async (args) => {
  try {
    const { stdout } = await promisify(execFile)('reg', [...args], { windowsHide: true, maxBuffer: 4 * MAX_POLICY_BYTES });
    return { stdout, code: 0 };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { stdout: '', code: typeof code === 'number' ? code : -1 };
  }
};

/** The registry key, read with `reg query` (exit code 1: the key does not exist). */
export function registrySource(key = REGISTRY_KEY, run: RunReg = runReg): PolicySource {
  return {
    name: key,
    async read() {
      const { stdout, code } = await run(['query', key, '/s', '/reg:64']);
      if (code === 1) return undefined;
      if (code !== 0) throw new HavreError('POLICY_UNREADABLE', { source: key, reason: `reg query exited with ${code}` });
      return registryToPolicy(parseRegQuery(stdout, key.replace(/^HKLM\\/i, 'HKEY_LOCAL_MACHINE\\')));
    },
  };
}

export interface SourceOptions {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  /** The user whose managed preferences apply (macOS). */
  readonly user?: string;
  readonly runReg?: RunReg;
}

/**
 * The platform's managed locations. HAVRE_POLICY_ROOT moves the file locations under another root:
 * for tests, which lay out files as each OS does (the policy binds the app and the CLI, not an
 * administrator of the account: docs/DECISIONS.md).
 */
export function managedSources(opts: SourceOptions = {}): PolicySource[] {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const root = env.HAVRE_POLICY_ROOT;
  const at = (path: string): string => (root ? join(root, path.replace(/^[A-Za-z]:/, '')) : path);
  if (platform === 'win32') {
    const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
    const file = jsonFileSource(at(win32.join(programData, 'Havre', 'policy.json')));
    return root ? [file] : [file, registrySource(REGISTRY_KEY, opts.runReg)];
  }
  if (platform === 'darwin') {
    const user = opts.user ?? safeUser();
    return [
      jsonFileSource(at('/Library/Application Support/Havre/policy.json')),
      plistFileSource(at(`/Library/Managed Preferences/${MAC_DOMAIN}.plist`)),
      ...(user ? [plistFileSource(at(posix.join('/Library/Managed Preferences', user, `${MAC_DOMAIN}.plist`)))] : []),
    ];
  }
  return [jsonFileSource(at('/etc/havre/policy.json'))];
}

function safeUser(): string | undefined {
  try {
    const name = userInfo().username;
    return /^[^/\\\0]+$/.test(name) && name !== '.' && name !== '..' ? name : undefined;
  } catch {
    return undefined;
  }
}
