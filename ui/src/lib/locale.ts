// Which UI language to use: the saved setting wins; "system" follows the OS.

export type Lang = 'ru' | 'en';
export const LANGUAGE_SETTINGS = ['system', 'ru', 'en'] as const;

export function chooseLocale(setting: string | null | undefined, systemLanguage: string | null | undefined): Lang {
  if (setting === 'ru' || setting === 'en') return setting;
  const sys = (systemLanguage ?? '').trim().toLowerCase();
  return sys === 'ru' || sys.startsWith('ru-') || sys.startsWith('ru_') ? 'ru' : 'en';
}

export function systemLanguage(): string {
  if (typeof navigator === 'undefined') return 'en';
  return navigator.language || (navigator.languages && navigator.languages[0]) || 'en';
}
