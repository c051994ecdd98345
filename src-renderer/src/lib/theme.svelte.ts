// Light, dark, or as the system says: the choice is kept in this window's storage and applied as
// data-theme on <html>; the stylesheet has both palettes.

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const KEY = 'havre.theme';

function saved(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return (THEMES as readonly (string | null)[]).includes(v) ? (v as Theme) : 'system';
  } catch {
    return 'system';
  }
}

function apply(theme: Theme): void {
  if (typeof document === 'undefined') return;
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

const first = saved();
apply(first);
let current = $state<Theme>(first);

export const theme = {
  get value(): Theme {
    return current;
  },
  set value(t: Theme) {
    current = t;
    apply(t);
    try {
      localStorage.setItem(KEY, t);
    } catch {
      // storage unavailable: the choice lasts for this window only
    }
  },
};
