// Fills docs/RELIABILITY.md's table with the figures of the last run of the reliability suite
// (test/reliability writes one JSON file per scenario to test-results/reliability/): the "cases
// run" cell of each row whose first cell names a scenario id in `backquotes`, and the line that
// starts with "Figures from". Prose (found and fixed, what remains) is written by hand.
//   node scripts/reliability-table.js [--check]   (--check: fail if a scenario has no figures)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'test-results/reliability';
const doc = 'docs/RELIABILITY.md';
const runs = new Map();
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  runs.set(r.id, r);
}
const fmt = (n) => n.toLocaleString('en-US');
const used = new Set();
const lines = readFileSync(doc, 'utf8').split('\n').map((line) => {
  const m = /^\| [^|]*`([a-z0-9-]+)`[^|]*\|[^|]*\|/.exec(line);
  if (m && runs.has(m[1])) {
    const r = runs.get(m[1]);
    used.add(r.id);
    const cells = line.split('|');
    cells[2] = ` ${fmt(r.cases)} ${r.unit} `;
    return cells.join('|');
  }
  return line;
});
const seeds = [...runs.values()].sort((a, b) => a.id.localeCompare(b.id)).map((r) => `${r.id} ${r.seed}`).join(', ');
const scale = [...new Set([...runs.values()].map((r) => r.scale))].join('/');
const seconds = Math.round([...runs.values()].reduce((n, r) => n + r.durationMs, 0) / 1000);
const out = lines.map((l) => (l.startsWith('Figures from') ? `Figures from one run of \`npm test\` at ${scale} size (${new Date().toISOString().slice(0, 10)}; ${seconds} s of scenario time in all; seeds: ${seeds}).` : l));
writeFileSync(doc, out.join('\n'));
const missing = [...runs.keys()].filter((id) => !used.has(id));
if (missing.length > 0) console.warn(`reliability-table: no row for ${missing.join(', ')}`);
console.log(`reliability-table: ${used.size} rows filled from ${dir}`);
if (process.argv.includes('--check') && missing.length > 0) process.exit(1);
