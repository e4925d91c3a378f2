import { describe, expect, it } from 'vitest';
import { emailValid, innValid, ogrnValid, requisitesProblems } from './requisites';

const base = { fullName: 'ООО «Ромашка»', shortName: '', inn: '', ogrn: '', legalAddress: '', dpo: '', withdrawalEmail: '' };

describe('requisites checks (same rules as the core)', () => {
  it('INN check digits', () => {
    for (const ok of ['7707083893', '500100732259', '7712345671']) expect(innValid(ok), ok).toBe(true);
    for (const bad of ['7707083894', '500100732258', '500100732249', '123', '77070838931', '77070838a3', '']) {
      expect(innValid(bad), bad).toBe(false);
    }
  });

  it('OGRN and OGRNIP check digits', () => {
    for (const ok of ['1027700132195', '304500116000157', '1027700000129']) expect(ogrnValid(ok), ok).toBe(true);
    for (const bad of ['1027700132196', '304500116000158', '102770013219', '10277001321950']) expect(ogrnValid(bad), bad).toBe(false);
  });

  it('e-mail shape', () => {
    expect(emailValid('privacy@romashka.ru')).toBe(true);
    for (const bad of ['a@b', 'no at', 'a b@c.ru', '@c.ru', 'a@.ru', 'a@c.']) expect(emailValid(bad), bad).toBe(false);
  });

  it('lists every problem and accepts empty optional fields', () => {
    expect(requisitesProblems(base)).toEqual([]);
    expect(requisitesProblems({ ...base, fullName: ' ', inn: '1', ogrn: '2', withdrawalEmail: 'x' })).toEqual([
      'name_required',
      'inn_bad',
      'ogrn_bad',
      'email_bad',
    ]);
  });
});
