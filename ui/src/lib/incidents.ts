// Pure helpers of the incident screens: a blank record, times between the
// `datetime-local` inputs (this computer's time) and RFC 3339, and the
// countdown of a notice's clock.
import type { ClockState } from './bindings/ClockState';
import type { IncidentDetails } from './bindings/IncidentDetails';
import type { IncidentNotice } from './bindings/IncidentNotice';
import type { Law } from './bindings/Law';

export const NOTICES: IncidentNotice[] = ['rkn_24h', 'rkn_72h', 'gdpr_33', 'subjects_34'];

/** The language a notice's draft is written in unless the user picks another. */
export function noticeLanguage(n: IncidentNotice): 'ru' | 'en' {
  return n === 'rkn_24h' || n === 'rkn_72h' ? 'ru' : 'en';
}

export function blankDetails(law: Law): IncidentDetails {
  return {
    title: '',
    occurred_at: null,
    detected_at: '',
    detected_by: null,
    summary: '',
    data_categories: [],
    special_categories: false,
    biometric: false,
    subjects: 0,
    records: 0,
    affected: null,
    causes: null,
    harm: null,
    measures: null,
    contact: null,
    investigation: null,
    culprits: null,
    advice: null,
    delay_reason: null,
    law,
    risk: 'unassessed',
  };
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

/**
 * A `datetime-local` value ("2026-12-03T14:30", this computer's time) as
 * RFC 3339 with this computer's offset; null when empty or not a time.
 */
export function localToRfc3339(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const t = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(t.getTime()) || t.getMonth() !== Number(mo) - 1 || t.getDate() !== Number(d)) return null;
  const off = -t.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${y}-${mo}-${d}T${h}:${mi}:${pad(Number(s ?? 0))}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/** An RFC 3339 time as a `datetime-local` value in this computer's time ('' when not a time). */
export function rfc3339ToLocal(value: string | null): string {
  if (!value) return '';
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return '';
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

export type Countdown = { overdue: boolean; hours: number; minutes: number };

/** The time left until `dueAt` from `now` (or by how much it is overdue), in whole minutes. */
export function countdown(dueAt: string, now: Date): Countdown | null {
  const due = new Date(dueAt).getTime();
  if (Number.isNaN(due)) return null;
  const mins = Math.floor((due - now.getTime()) / 60000);
  const abs = Math.abs(mins);
  return { overdue: mins < 0, hours: Math.floor(abs / 60), minutes: abs % 60 };
}

/** Whether a clock asks for attention: due (pending) or overdue. */
export function isOpenClock(state: ClockState): boolean {
  return state === 'pending' || state === 'overdue';
}

/** Categories typed one per line or separated by semicolons. */
export function parseCategories(text: string): string[] {
  return text
    .split(/[\n;]/)
    .map((s) => s.trim())
    .filter((s, i, all) => s.length > 0 && all.indexOf(s) === i);
}
