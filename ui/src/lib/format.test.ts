import { describe, expect, it } from 'vitest';
import { formatDateTime, parseUtc, prettyBody } from './format';

describe('timestamps', () => {
  it('parses the core\'s UTC format with microseconds', () => {
    const d = parseUtc('2025-03-04T05:06:07.123456Z');
    expect(d?.toISOString()).toBe('2025-03-04T05:06:07.123Z');
  });

  it('treats a timestamp without zone as UTC, not local time', () => {
    expect(parseUtc('2025-03-04T05:06:07')?.toISOString()).toBe('2025-03-04T05:06:07.000Z');
    expect(parseUtc('2025-03-04 05:06:07.5')?.toISOString()).toBe('2025-03-04T05:06:07.500Z');
    expect(parseUtc('2025-03-04T05:06:07+03:00')?.toISOString()).toBe('2025-03-04T02:06:07.000Z');
  });

  it('rejects garbage and shows it unchanged', () => {
    expect(parseUtc('yesterday')).toBeNull();
    expect(formatDateTime('yesterday', 'ru')).toBe('yesterday');
  });

  it('formats in the chosen language', () => {
    const v = '2025-03-04T15:06:07.000000Z';
    const ru = formatDateTime(v, 'ru');
    const en = formatDateTime(v, 'en');
    expect(ru).not.toBe(en);
    expect(ru).toMatch(/2025/);
    expect(ru).toMatch(/мар/);
    expect(en).toMatch(/Mar/);
  });
});

describe('event bodies', () => {
  it('pretty-prints JSON bodies', () => {
    expect(prettyBody('{"a":1,"b":{"c":[1,2]}}')).toBe('{\n  "a": 1,\n  "b": {\n    "c": [\n      1,\n      2\n    ]\n  }\n}');
  });

  it('shows a body that is not JSON as is, including markup', () => {
    expect(prettyBody('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});
