import { describe, expect, it } from 'vitest';
import { canContinueFromRecovery, normaliseRecoveryInput } from './recovery';

describe('recovery code gating', () => {
  const code = 'ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567';

  it('keeps Continue disabled until the box is ticked', () => {
    expect(canContinueFromRecovery({ code, confirmed: false })).toBe(false);
    expect(canContinueFromRecovery({ code, confirmed: true })).toBe(true);
  });

  it('never lets the user continue without a code to keep', () => {
    expect(canContinueFromRecovery({ code: '', confirmed: true })).toBe(false);
    expect(canContinueFromRecovery({ code: '   ', confirmed: true })).toBe(false);
  });

  it('trims typed codes but leaves their content to the core', () => {
    expect(normaliseRecoveryInput('  abcd efgh\n')).toBe('abcd efgh');
    expect(normaliseRecoveryInput('ABCD-EFGH')).toBe('ABCD-EFGH');
  });
});
