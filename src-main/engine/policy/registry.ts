// Windows: HKLM\SOFTWARE\Policies\Havre, as Group Policy (ADMX) and Intune write it, read with
// `reg query /s` (no native addon). The key tree mirrors the policy's JSON: a subkey per object, a
// value per field; REG_DWORD for numbers and booleans (0/1); lists as a subkey of values named 1, 2…
// or a REG_MULTI_SZ; any value may also be a REG_SZ holding JSON. Names compare case-insensitively.
import { POLICY_SCHEMA } from './schema.js';

export interface RegValue { readonly type: string; readonly data: string }
export interface RegKey { readonly values: Map<string, RegValue>; readonly keys: Map<string, RegKey> }

const newKey = (): RegKey => ({ values: new Map(), keys: new Map() });

/** Parses the text `reg query KEY /s` prints into the tree below KEY. */
export function parseRegQuery(text: string, root: string): RegKey {
  const tree = newKey();
  const rootLower = root.toLowerCase().replace(/\\+$/, '');
  let current: RegKey | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    if (/^HKEY_/i.test(raw)) {
      const path = raw.trim();
      if (!path.toLowerCase().startsWith(rootLower)) { current = null; continue; }
      let at: RegKey = tree;
      for (const part of path.slice(rootLower.length).split('\\').filter((p) => p !== '')) {
        const next: RegKey = at.keys.get(part) ?? newKey();
        at.keys.set(part, next);
        at = next;
      }
      current = at;
      continue;
    }
    const m = /^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/.exec(raw);
    if (m && current && m[1] !== '(Default)') current.values.set(m[1]!, { type: m[2]!, data: m[3] ?? '' });
  }
  return tree;
}

type Schema = { readonly [k: string]: unknown };

function types(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  if ('const' in schema) return [typeof schema.const === 'number' ? 'integer' : typeof schema.const];
  if (Array.isArray(schema.enum)) return [...new Set((schema.enum as unknown[]).map((v) => typeof v))];
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as Schema[]).flatMap(types);
  return [];
}

function objectSchemaOf(schema: Schema): Schema | undefined {
  if (schema.properties) return schema;
  return Array.isArray(schema.oneOf) ? (schema.oneOf as Schema[]).find((s) => s.properties) : undefined;
}

function valueFor(v: RegValue, schema: Schema): unknown {
  const want = types(schema);
  if (v.type === 'REG_DWORD' || v.type === 'REG_QWORD') {
    const n = Number.parseInt(v.data, 16);
    return want.includes('boolean') && !want.includes('integer') ? n !== 0 : n;
  }
  if (v.type === 'REG_MULTI_SZ') return v.data === '' ? [] : v.data.split('\\0');
  // REG_SZ: JSON where the field is not a string (lists, objects, null, numbers written as text).
  if (!want.includes('string') || (v.data === 'null' && want.includes('null'))) {
    try {
      return JSON.parse(v.data) as unknown;
    } catch {
      return v.data;
    }
  }
  return v.data;
}

function keyFor(k: RegKey, schema: Schema): unknown {
  const want = types(schema);
  if (want.includes('array')) {
    const items = (schema.items ?? {}) as Schema;
    const entries = [...k.values].filter(([n]) => /^\d+$/.test(n)).sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => valueFor(v, items));
    const sub = [...k.keys].filter(([n]) => /^\d+$/.test(n)).sort(([a], [b]) => Number(a) - Number(b)).map(([, s]) => keyFor(s, items));
    return [...entries, ...sub];
  }
  const obj = objectSchemaOf(schema);
  const props = (obj?.properties ?? {}) as Record<string, Schema>;
  const named = (n: string): [string, Schema] => {
    const p = Object.keys(props).find((x) => x.toLowerCase() === n.toLowerCase());
    return p ? [p, props[p]!] : [n, {}];
  };
  const out: Record<string, unknown> = {};
  for (const [n, v] of k.values) {
    const [name, s] = named(n);
    out[name] = valueFor(v, s);
  }
  for (const [n, sub] of k.keys) {
    const [name, s] = named(n);
    out[name] = keyFor(sub, s);
  }
  return out;
}

/** The policy document a registry tree stands for (checked by the schema afterwards, like any source). */
export function registryToPolicy(tree: RegKey): unknown {
  return keyFor(tree, POLICY_SCHEMA as unknown as Schema);
}
