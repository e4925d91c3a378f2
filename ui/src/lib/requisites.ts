// Client-side checks of the organisation's requisites, for immediate,
// localized feedback while typing. The core checks the same rules again and
// is the authority (crates/core/src/organisation.rs).
import type { Requisites } from './bindings/Requisites';

export type RequisitesProblem = 'name_required' | 'inn_bad' | 'ogrn_bad' | 'email_bad';

function digits(s: string): number[] | null {
  return /^\d+$/.test(s) ? [...s].map(Number) : null;
}

/** INN: 10 digits (organisation) or 12 (individual entrepreneur) with FTS check digits. */
export function innValid(inn: string): boolean {
  const d = digits(inn);
  if (!d || (d.length !== 10 && d.length !== 12)) return false;
  const check = (w: number[]) => (w.reduce((sum, k, i) => sum + k * d[i], 0) % 11) % 10;
  if (d.length === 10) return check([2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9];
  return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
}

/** OGRN (13 digits, mod 11) or OGRNIP (15 digits, mod 13). */
export function ogrnValid(ogrn: string): boolean {
  const d = digits(ogrn);
  if (!d || (d.length !== 13 && d.length !== 15)) return false;
  const body = BigInt(ogrn.slice(0, -1));
  const modulus = d.length === 13 ? 11n : 13n;
  return Number((body % modulus) % 10n) === d[d.length - 1];
}

export function emailValid(email: string): boolean {
  return /^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]*[^\s@.]$/.test(email);
}

/** The problems of a set of requisites (empty when it can be saved). Empty optional fields are fine. */
export function requisitesProblems(r: Requisites): RequisitesProblem[] {
  const out: RequisitesProblem[] = [];
  if (r.fullName.trim() === '' && r.shortName.trim() === '') out.push('name_required');
  if (r.inn.trim() !== '' && !innValid(r.inn.trim())) out.push('inn_bad');
  if (r.ogrn.trim() !== '' && !ogrnValid(r.ogrn.trim())) out.push('ogrn_bad');
  if (r.withdrawalEmail.trim() !== '' && !emailValid(r.withdrawalEmail.trim())) out.push('email_bad');
  return out;
}
