// Writes native/policy/havre-policy.schema.json from the engine's POLICY_SCHEMA (the one source);
// test/unit/policy keeps them equal. Run: npx tsx scripts/write-policy-schema.ts
import { writeFileSync } from 'node:fs';
import { POLICY_SCHEMA } from '../src-main/engine/policy/schema.js';

writeFileSync(new URL('../native/policy/havre-policy.schema.json', import.meta.url), JSON.stringify(POLICY_SCHEMA, null, 2) + '\n');
