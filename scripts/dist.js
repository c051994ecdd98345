// `npm run dist [-- --linux | --win | --mac] [--check]`: packages the desktop app with
// electron-builder (electron-builder.yml), after checking that every toolchain the chosen targets
// need is here; where one is missing it says which, why, and how to provide it, and stops before
// building anything. --check only reports. Other arguments go to electron-builder.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const passThrough = args.filter((a) => a !== '--check');
const host = process.platform;
const wanted = ['linux', 'win', 'mac'].filter((p) => args.includes(`--${p}`));
const platforms = wanted.length > 0 ? wanted : [host === 'win32' ? 'win' : host === 'darwin' ? 'mac' : 'linux'];

const onPath = (cmd) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
const builderCache = process.env.ELECTRON_BUILDER_CACHE
  ?? (host === 'darwin' ? join(homedir(), 'Library/Caches/electron-builder') : host === 'win32' ? join(process.env.LOCALAPPDATA ?? homedir(), 'electron-builder', 'Cache') : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron-builder'));
const electronCache = process.env.ELECTRON_CACHE
  ?? (host === 'darwin' ? join(homedir(), 'Library/Caches/electron') : host === 'win32' ? join(process.env.LOCALAPPDATA ?? homedir(), 'electron', 'Cache') : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron'));
const cached = (prefix) => existsSync(builderCache) && readdirSync(builderCache).some((n) => n.toLowerCase().startsWith(prefix));

function findFile(dir, name, depth = 2) {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === name) return true;
    if (depth > 0 && statSync(p).isDirectory() && findFile(p, name, depth - 1)) return true;
  }
  return false;
}

const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
const electronZip = (platform) => `electron-v${electronVersion}-${{ linux: 'linux', win: 'win32', mac: 'darwin' }[platform]}-x64.zip`;

/** Each missing piece: [English, French]. */
function missing(platform) {
  const out = [];
  if (!existsSync(join(root, 'node_modules/.bin/electron-builder'))) {
    out.push(['electron-builder is not installed: run npm ci.', 'electron-builder n’est pas installé : lancez npm ci.']);
  }
  const zip = electronZip(platform);
  if (!findFile(electronCache, zip) && !process.env.HAVRE_ELECTRON_DIST) {
    out.push([`the Electron ${electronVersion} binary for ${platform} (${zip}) is not in the Electron cache (${electronCache}); electron-builder would download it from Electron's releases. Put the zip there, or set HAVRE_ELECTRON_DIST to a folder of Electron zips.`,
      `le binaire Electron ${electronVersion} pour ${platform} (${zip}) n’est pas dans le cache Electron (${electronCache}) ; electron-builder le téléchargerait depuis les publications d’Electron. Déposez le zip dans ce dossier, ou indiquez un dossier de zips Electron avec HAVRE_ELECTRON_DIST.`]);
  }
  if (platform === 'linux') {
    if (!(process.env.USE_SYSTEM_FPM === 'true' && onPath('fpm')) && !cached('fpm')) {
      out.push(['the deb needs fpm: install it (gem install fpm) and set USE_SYSTEM_FPM=true, or put electron-builder\'s fpm bundle in its cache (' + builderCache + ').',
        'le paquet deb a besoin de fpm : installez-le (gem install fpm) et définissez USE_SYSTEM_FPM=true, ou déposez le paquet fpm d’electron-builder dans son cache (' + builderCache + ').']);
    }
    if (!cached('appimage')) {
      out.push(['the AppImage needs electron-builder\'s appimage tools in its cache (' + builderCache + '); it downloads them from the electron-builder-binaries releases.',
        'l’AppImage a besoin des outils appimage d’electron-builder dans son cache (' + builderCache + ') ; il les télécharge depuis les publications electron-builder-binaries.']);
    }
  }
  if (platform === 'win') {
    if (host !== 'win32' && !onPath('wine')) {
      out.push(['the MSI and NSIS installers are built on Windows, or elsewhere with Wine (not installed here: apt-get install wine).',
        'les installeurs MSI et NSIS se construisent sous Windows, ou ailleurs avec Wine (absent ici : apt-get install wine).']);
    }
    if (!cached('wix')) out.push(['the MSI needs the WiX toolset in electron-builder\'s cache (' + builderCache + ').', 'le MSI a besoin de WiX dans le cache d’electron-builder (' + builderCache + ').']);
    if (!cached('nsis')) out.push(['the NSIS installer needs NSIS in electron-builder\'s cache (' + builderCache + ').', 'l’installeur NSIS a besoin de NSIS dans le cache d’electron-builder (' + builderCache + ').']);
  }
  if (platform === 'mac' && (host !== 'darwin' || !onPath('pkgbuild'))) {
    out.push(['the PKG and the zip are built on macOS only (pkgbuild, productbuild, codesign, notarytool from Xcode\'s command line tools).',
      'le PKG et le zip se construisent sous macOS seulement (pkgbuild, productbuild, codesign, notarytool des outils en ligne de commande de Xcode).']);
  }
  return out;
}

const problems = platforms.map((p) => [p, missing(p)]).filter(([, m]) => m.length > 0);
for (const [platform, list] of problems) {
  console.error(`npm run dist: cannot build the ${platform} installers here / impossible de construire ici les installeurs ${platform} :`);
  for (const [en, fr] of list) console.error(`  - ${en}\n    ${fr}`);
}
const signing = { win: 'WIN_CSC_LINK or CSC_LINK', mac: 'CSC_LINK or CSC_NAME, APPLE_ID or APPLE_API_KEY' };
for (const p of platforms) {
  if (signing[p] && !process.env.CSC_LINK && !process.env.WIN_CSC_LINK && !process.env.CSC_NAME) {
    console.error(`npm run dist: ${p}: no signing identity in the environment (${signing[p]}): an UNSIGNED build, for development only.`);
  }
}
if (problems.length > 0) process.exit(1);
if (checkOnly) {
  console.log(`npm run dist: every toolchain for ${platforms.join(', ')} is here.`);
  process.exit(0);
}
execFileSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root });
const extra = process.env.HAVRE_ELECTRON_DIST ? ['-c.electronDist=' + process.env.HAVRE_ELECTRON_DIST] : [];
execFileSync(join(root, 'node_modules/.bin/electron-builder'), ['--config', 'electron-builder.yml', ...extra, ...passThrough], { stdio: 'inherit', cwd: root });
