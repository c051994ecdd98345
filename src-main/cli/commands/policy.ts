import { extname, resolve } from 'node:path';
import { HavreError } from '../../engine/errors/index.js';
import { jsonFileSource, loadPolicy, plistFileSource, policyProblems, POLICY_SCHEMA, type Policy } from '../../engine/policy/index.js';
import { parseCommand } from '../args.js';
import { CliContext } from '../context.js';

/** The enrollment token is a secret: shown as present, never printed. */
function redacted(p: Policy): Policy {
  return p.appliance?.enrollToken ? { ...p, appliance: { ...p.appliance, enrollToken: '(set)' } } : p;
}

/**
 * `havre policy`: the machine policy in effect (where it comes from, what it sets, its problems);
 * `havre policy check FILE`: checks a policy file (.json or a .plist / .mobileconfig payload)
 * before IT deploys it, exit code 1 with every problem; `havre policy schema`: the JSON Schema.
 */
export async function policyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  const ctx = new CliContext(values);
  const [verb, file, ...extra] = positionals;
  if (verb === 'schema') {
    process.stdout.write(JSON.stringify(POLICY_SCHEMA, null, 2) + '\n');
    return 0;
  }
  if (verb === 'check') {
    if (!file || extra.length > 0) throw new HavreError('USAGE', { detail: 'havre policy check FILE' });
    const path = resolve(file);
    const source = ['.plist', '.mobileconfig'].includes(extname(path).toLowerCase()) ? plistFileSource(path) : jsonFileSource(path);
    const doc = await source.read();
    if (doc === undefined) throw new HavreError('USAGE', { detail: `${path} does not exist` });
    const problems = policyProblems(doc, path);
    ctx.out.result({ file: path, valid: problems.length === 0, problems }, () =>
      problems.length === 0 ? [ctx.out.t(`${path}: valid policy.`, `${path} : politique valide.`)] : problems);
    return problems.length === 0 ? 0 : 1;
  }
  if (verb !== undefined && verb !== 'show') throw new HavreError('USAGE', { detail: 'havre policy [show | check FILE | schema]' });
  const effective = await loadPolicy({ home: ctx.home });
  const policy = redacted(effective.policy);
  ctx.out.result({ ...effective, policy }, () => [
    effective.sources.length > 0 ? ctx.out.t(`Policy from: ${effective.sources.join(', ')}`, `Politique issue de : ${effective.sources.join(', ')}`)
      : ctx.out.t('No machine policy: the user chooses every setting.', 'Aucune politique machine : l’utilisateur choisit tous les réglages.'),
    ...effective.problems.map((p) => `! ${ctx.out.t(p.message, p.messageFr)}`),
    ...(effective.sources.length > 0 ? JSON.stringify(policy, null, 2).split('\n') : []),
  ]);
  return effective.fallback === 'none' ? 0 : 1;
}
