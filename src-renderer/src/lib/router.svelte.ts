// Which screen shows, kept in the URL's hash (#/restore) so the main process can open a screen and
// the back key of a mouse works; the sender check accepts our page with any hash.

import { APP_SCREENS, type AppScreen } from '../../../src-main/ipc/contract.js';

function parse(hash: string): AppScreen {
  const name = hash.replace(/^#\/?/, '');
  return (APP_SCREENS as readonly string[]).includes(name) ? (name as AppScreen) : 'dashboard';
}

let current = $state<AppScreen>(typeof location === 'undefined' ? 'dashboard' : parse(location.hash));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    current = parse(location.hash);
  });
}

export const router = {
  get screen(): AppScreen {
    return current;
  },
  go(screen: AppScreen): void {
    current = screen;
    if (typeof location !== 'undefined' && parse(location.hash) !== screen) location.hash = `#/${screen}`;
  },
};
