/** Dark mode: follows prefers-color-scheme until the person picks light or dark (kept locally). */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'vigil.theme';

/** The stored choice. */
export function getTheme(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** Applies and stores a choice; `system` removes the override. */
export function setTheme(choice: ThemeChoice): void {
  if (choice === 'system') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, choice);
    document.documentElement.dataset.theme = choice;
  }
}
