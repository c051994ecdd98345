// Writes a small sample folder for the quick start: documents, names in several scripts,
// an empty file and folder, a symbolic link and a larger binary file.
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const root = process.argv[2];
const files = {
  'Documents/rapport annuel 2026.txt': 'Rapport annuel\n'.repeat(2000),
  'Documents/notes.md': '# Notes\n\n- sauvegarder\n- restaurer\n',
  'Documents/日本語のメモ.txt': 'こんにちは\n',
  'Documents/Ελληνικά.txt': 'Καλημέρα\n',
  'Documents/مرحبا.txt': 'سلام\n',
  'Documents/emoji 🎉.txt': 'party\n',
  'Photos/empty.txt': '',
};
for (const [path, content] of Object.entries(files)) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}
writeFileSync(join(root, 'Photos/holiday.raw'), randomBytes(12 * 1024 * 1024));
mkdirSync(join(root, 'Empty folder'), { recursive: true });
symlinkSync('Documents/notes.md', join(root, 'notes-link.md'));
console.log(`sample folder: ${root}`);
