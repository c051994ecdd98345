// `npm run dist`: packages the desktop app with electron-builder, or says clearly why it cannot here.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const builder = new URL('../node_modules/.bin/electron-builder', import.meta.url).pathname;
if (!existsSync(builder)) {
  console.error('npm run dist: electron-builder is not installed in this checkout (installers are built in the IT deployment work, issue 8).\n' +
    'npm run dist : electron-builder n’est pas installé ici (les installeurs relèvent du déploiement IT).');
  process.exit(1);
}
execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
execFileSync(builder, ['--config', 'electron-builder.yml', ...process.argv.slice(2)], { stdio: 'inherit' });
