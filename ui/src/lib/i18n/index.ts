// svelte-i18n setup: both catalogues are bundled (no network), messages use
// ICU syntax (Russian plurals: one / few / many / other).
import { addMessages, init, locale } from 'svelte-i18n';
import en from './en.json';
import ru from './ru.json';
import { chooseLocale, systemLanguage, type Lang } from '../locale';

let initialised = false;

export function setupI18n(setting: string | null = null): Lang {
  const lang = chooseLocale(setting, systemLanguage());
  if (!initialised) {
    addMessages('en', en);
    addMessages('ru', ru);
    init({ fallbackLocale: 'en', initialLocale: lang });
    initialised = true;
  }
  applyLanguage(setting);
  return lang;
}

/** Switches the UI language now ("system", "ru" or "en"). */
export function applyLanguage(setting: string | null): Lang {
  const lang = chooseLocale(setting, systemLanguage());
  locale.set(lang);
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  return lang;
}

export { en, ru };
