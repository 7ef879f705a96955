import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientInput } from './client';
import { Gstin, gstinCheckCharacter, gstinProblem, Pincode } from './gstin';

const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('GSTIN', () => {
  it('accepts the well-known sample 27AAPFU0939F1ZV (Maharashtra) and computes its check character', () => {
    expect(gstinCheckCharacter('27AAPFU0939F1Z')).toBe('V');
    expect(gstinProblem('27AAPFU0939F1ZV')).toBeUndefined();
    // The same PAN registered in Kerala (32), worked by hand: weighted digits 3 + 4 + 10 + 20 + 25 + 30
    // + 30 + 0 + 9 + 6 + 9 + 30 + 1 + (70 → 1 + 34) = 212; 212 mod 36 = 32; 36 − 32 = 4.
    expect(gstinCheckCharacter('32AAPFU0939F1Z')).toBe('4');
    expect(gstinProblem('32AAPFU0939F1Z4')).toBeUndefined();
  });

  it.each([
    ['27AAPFU0939F1ZW', 'check'],
    ['27AAPFU0939F1Z', 'shape'],
    ['00AAPFU0939F1ZV', 'shape'],
    ['39AAPFU0939F1ZV', 'shape'],
    ['27AAPF00939F1ZV', 'shape'],
    ['27AAPFU0939F0ZV', 'shape'],
    ['27AAPFU0939F1YV', 'shape'],
    ['27aapfu0939f1zv', 'shape'],
  ] as const)('refuses %s (%s)', (gstin, problem) => {
    expect(gstinProblem(gstin)).toBe(problem);
  });

  it('takes what people type (lower case, spaces) and stores it upper case', () => {
    expect(Gstin.parse(' 27aapfu0939f1zv ')).toBe('27AAPFU0939F1ZV');
    expect(Gstin.parse('27 AAPFU 0939 F1ZV')).toBe('27AAPFU0939F1ZV');
  });

  it('names the problem in the field error: the shape, or the check character it expected', () => {
    const bad = ClientInput.safeParse({ companyName: 'A', ownerName: 'B', mobile: '9847012345', gstin: '27AAPFU0939F1ZW' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message, (i as { params?: { code?: string } }).params?.code])).toEqual([
      ['gstin', 'has a wrong check character (expected V): a typing error?', 'gstin_check'],
    ]);
    const shape = ClientInput.safeParse({ companyName: 'A', ownerName: 'B', mobile: '9847012345', gstin: 'GST-1234' });
    expect((shape.error!.issues[0] as { params?: { code?: string } }).params?.code).toBe('invalid_gstin');
  });

  it('accepts the special state codes 97 (other territory) and 99 (centre jurisdiction)', () => {
    for (const state of ['97', '99', '01', '38']) {
      const first14 = `${state}AAPFU0939F1Z`;
      expect(gstinProblem(`${first14}${gstinCheckCharacter(first14)}`), state).toBeUndefined();
    }
  });

  // Luhn mod 36 catches every single-character substitution: no typo in one place passes.
  it('refuses every GSTIN with one character changed (property)', () => {
    const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    const digit = fc.constantFrom(...'0123456789');
    const valid = fc
      .tuple(
        fc.integer({ min: 1, max: 38 }).map((n) => String(n).padStart(2, '0')),
        fc.array(letter, { minLength: 5, maxLength: 5 }),
        fc.array(digit, { minLength: 4, maxLength: 4 }),
        letter,
        fc.constantFrom(...'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      )
      .map(([state, a, d, l, n]) => {
        const first14 = `${state}${a.join('')}${d.join('')}${l}${n}Z`;
        return `${first14}${gstinCheckCharacter(first14)}`;
      });
    fc.assert(
      fc.property(valid, fc.nat(14), fc.constantFrom(...CHARS), (gstin, at, to) => {
        expect(gstinProblem(gstin)).toBeUndefined();
        fc.pre(gstin[at] !== to);
        const typo = `${gstin.slice(0, at)}${to}${gstin.slice(at + 1)}`;
        expect(gstinProblem(typo)).not.toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('PIN code', () => {
  it('is six digits not starting with 0, spaces removed', () => {
    expect(Pincode.parse('682 001')).toBe('682001');
    for (const bad of ['082001', '68200', '6820011', 'ABCDEF']) expect(Pincode.safeParse(bad).success, bad).toBe(false);
  });
});
