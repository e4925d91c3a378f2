import { describe, expect, it } from 'vitest';
import type { Drift } from './bindings/Drift';
import { activityProblems, blankActivity, blankTransfer, driftByVersion, toggleBasis } from './processing';

describe('activityProblems', () => {
  it('names what the core would refuse', () => {
    const a = blankActivity('152-fz');
    expect(activityProblems(a)).toEqual(['name', 'purpose', 'basis']);
    a.name = 'Рассылка';
    a.purposes = ['', 'Акции'];
    a.legal_bases = ['consent'];
    expect(activityProblems(a)).toEqual([]);
    a.special_categories = ['Здоровье'];
    a.transfers = [{ country: ' ', recipient: 'Mailer GmbH', safeguards: null }, blankTransfer()];
    a.recipients = [{ name: '', inn: '7707083893', address: '', role: 'processor' }];
    expect(activityProblems(a)).toEqual(['special_condition', 'transfer_country', 'recipient_name']);
    a.special_condition = 'Письменное согласие';
    a.transfers[0].country = 'Германия';
    a.recipients[0].name = 'ООО «Облако»';
    expect(activityProblems(a)).toEqual([]);
  });
});

describe('toggleBasis', () => {
  it('adds and removes, in the order of the law', () => {
    expect(toggleBasis([], 'contract')).toEqual(['contract']);
    expect(toggleBasis(['contract'], 'consent')).toEqual(['consent', 'contract']);
    expect(toggleBasis(['consent', 'contract'], 'consent')).toEqual(['contract']);
  });
});

describe('driftByVersion', () => {
  it('groups by the version the items come from', () => {
    const d = (label: string, value: string): Drift => ({ activity: 7, agreement: Number(label[1]), version: 2, label, kind: 'data', value });
    const g = driftByVersion([d('A1-v2', 'Телефон'), d('A3-v2', 'Паспорт'), d('A1-v2', 'Адрес')]);
    expect(g.map((x) => [x.label, x.items.map((i) => i.value)])).toEqual([
      ['A1-v2', ['Телефон', 'Адрес']],
      ['A3-v2', ['Паспорт']],
    ]);
  });
});
