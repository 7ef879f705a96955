import { describe, expect, it } from 'vitest';
import { DedupRules, fuzzyKeyChanges, fuzzyKeys, keyPart, normaliseCompanyName, normalisePersonName } from './dedup';

describe('company names as compared (#12 item 2)', () => {
  it.each([
    ['Sree Jewellers Pvt Ltd', 'sri jevel'],
    ['SHREE JEWELLERS PRIVATE LIMITED', 'sri jevel'],
    ['Shri Jewelers (P) Ltd.', 'sri jevel'],
    ['Sri Jewellery', 'sri jevel'],
    ['Lakshmi Traders & Co', 'laxmi trader'],
    ['Laxmi Trading Company Ltd', 'laxmi trader company'],
    ['Krishna Textiles LLP', 'krishna textile'],
    ['Kottayam  Agencies,  Ltd', 'kotayam agency'],
    ['Café Coffee Day', 'cafe cofi day'],
    ['Limited', 'limited'],
    ['Co', 'co'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseCompanyName(name)).toBe(expected);
  });

  it('folds the same business written three ways to one key, and keeps different businesses apart', () => {
    const variants = ['Sree Jewellers Pvt Ltd', 'Shree Jewelers Private Limited', 'SRI JEWELLERS'];
    expect(new Set(variants.map(normaliseCompanyName)).size).toBe(1);
    expect(normaliseCompanyName('Sree Jewellers')).not.toBe(normaliseCompanyName('Sree Textiles'));
    expect(normaliseCompanyName('Lakshmi Traders')).not.toBe(normaliseCompanyName('Lakshmi Textiles'));
  });

  it('folds people’s names the same way, without dropping legal forms', () => {
    expect(normalisePersonName('Anil  Kumar')).toBe('anil kumar');
    expect(normalisePersonName('Lakshmi Co')).toBe('laxmi co');
  });
});

describe('fuzzy keys', () => {
  it('are the name in its city, the name in its PIN code, and the owner with the phone’s last 7 digits', () => {
    expect(fuzzyKeys({ companyName: 'Sree Jewellers Pvt Ltd', ownerName: 'Anil Kumar', mobile: '+919847012345', city: 'Kochi', pincode: '682001' })).toEqual([
      { reason: 'name_and_city', key: 'NAME#sri jevel#CITY#kochi' },
      { reason: 'name_and_pincode', key: 'NAME#sri jevel#PIN#682001' },
      { reason: 'owner_and_phone', key: 'OWNER#anil kumar#7012345' },
    ]);
    // Without a city or PIN code, only the owner key: a name alone is too common to flag.
    expect(fuzzyKeys({ companyName: 'Sree Jewellers', ownerName: 'Anil', mobile: '+919847012345' })).toEqual([{ reason: 'owner_and_phone', key: 'OWNER#anil#7012345' }]);
  });
});

describe('fuzzy keys stay short enough for a sort key (1,024 bytes)', () => {
  it('replace a long normalised part by its digest: the same long names match, different ones do not', () => {
    const long = { companyName: '한'.repeat(200), ownerName: 'ﷺ'.repeat(200), mobile: '+919847012345', city: 'ﷺ'.repeat(100), pincode: '682001' };
    const keys = fuzzyKeys(long);
    expect(keys.map((k) => k.reason)).toEqual(['name_and_city', 'name_and_pincode', 'owner_and_phone']);
    for (const k of keys) expect(Buffer.byteLength(k.key)).toBeLessThan(400);
    expect(fuzzyKeys({ ...long })).toEqual(keys);
    expect(fuzzyKeys({ ...long, companyName: `${'한'.repeat(199)}글` })[0]!.key).not.toBe(keys[0]!.key);
    // Short parts stay readable.
    expect(keyPart('sri jevel')).toBe('sri jevel');
  });
});

describe('fuzzy key changes of an edit', () => {
  it('release the keys the old fields made and claim the new ones, and move nothing for an edit they do not see', () => {
    const before = { companyName: 'Sree Jewellers', ownerName: 'Anil', mobile: '+919847012345', city: 'Kochi' };
    expect(fuzzyKeyChanges(before, { ...before, city: 'Aluva' })).toEqual({ claimed: ['NAME#sri jevel#CITY#aluva'], released: ['NAME#sri jevel#CITY#kochi'] });
    expect(fuzzyKeyChanges(before, { ...before, companyName: 'SHREE JEWELERS PVT LTD' })).toEqual({ claimed: [], released: [] });
  });
});

describe('duplicate rules', () => {
  it('warn on a fuzzy match by default, and take only warn or block', () => {
    expect(DedupRules.parse({})).toEqual({ fuzzy: 'warn' });
    expect(DedupRules.parse({ fuzzy: 'block' })).toEqual({ fuzzy: 'block' });
    expect(DedupRules.safeParse({ fuzzy: 'ignore' }).success).toBe(false);
    expect(DedupRules.safeParse({ fuzzy: 'warn', exact: 'off' }).success).toBe(false);
  });
});
