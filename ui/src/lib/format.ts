// Dates from the shell are UTC ISO-8601 strings (often with microseconds).

/** Parses a UTC timestamp; tolerates a missing "Z" and more than 3 fraction digits. */
export function parseUtc(value: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const [, date, time, frac, zone] = m;
  const ms = frac ? `.${(frac + '00').slice(0, 3)}` : '';
  const tz = zone ?? 'Z';
  const d = new Date(`${date}T${time}${ms}${tz}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

const cache = new Map<string, Intl.DateTimeFormat>();

const STYLES: Record<'datetime' | 'date' | 'compact', Intl.DateTimeFormatOptions> = {
  datetime: { dateStyle: 'medium', timeStyle: 'medium' },
  date: { dateStyle: 'medium' },
  compact: { dateStyle: 'short', timeStyle: 'short' },
};

function formatter(lang: string, kind: keyof typeof STYLES): Intl.DateTimeFormat {
  const key = `${lang}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, STYLES[kind]);
    cache.set(key, f);
  }
  return f;
}

/** A timestamp in the user's language and time zone; the raw text if it does not parse. */
export function formatDateTime(value: string, lang: string): string {
  const d = parseUtc(value);
  return d ? formatter(lang, 'datetime').format(d) : value;
}

/** Short form for list rows. */
export function formatCompact(value: string, lang: string): string {
  const d = parseUtc(value);
  return d ? formatter(lang, 'compact').format(d) : value;
}

export function formatDate(value: string, lang: string): string {
  const d = parseUtc(value);
  return d ? formatter(lang, 'date').format(d) : value;
}

/** Pretty-prints an event body; shows it unchanged when it is not JSON. */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
