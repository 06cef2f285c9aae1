import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { LoginDto, RegisterDto } from '../auth/auth-requests.dto.js';
import { AddressDto } from '../orders/address.dto.js';
import { CodePointLength, MaxCodePoints, NormalizedText, trimmed } from './text-length.js';

class Probe {
  @MaxCodePoints(4)
  short!: unknown;

  @CodePointLength(2, 4)
  ranged!: unknown;
}

const errorsOf = (plain: object) =>
  validateSync(plainToInstance(Probe, { short: 'ok', ranged: 'ok', ...plain })).flatMap((e) =>
    Object.values(e.constraints ?? {}),
  );

/** U+2764 U+FE0F: one emoji on screen, two code points (two characters for JSON Schema). */
const HEART = '\u2764\ufe0f';

describe('MaxCodePoints', () => {
  test('counts an astral emoji as one character, as JSON Schema does: 4 pass, 5 do not', () => {
    expect(errorsOf({ short: '😀'.repeat(4) })).toEqual([]);
    expect(errorsOf({ short: '😀'.repeat(5) })).toEqual([
      'short must be shorter than or equal to 4 characters',
    ]);
  });

  test('counts a variation selector as a character (class-validator counted it as none)', () => {
    expect(errorsOf({ short: HEART.repeat(2) })).toEqual([]);
    expect(errorsOf({ short: HEART.repeat(2) + 'x' })).toHaveLength(1);
    expect(errorsOf({ short: HEART.repeat(3) })).toHaveLength(1);
  });

  test('refuses what is not a string', () => {
    expect(errorsOf({ short: 1234 })).toHaveLength(1);
    expect(errorsOf({ short: ['a'] })).toHaveLength(1);
  });
});

describe('CodePointLength', () => {
  test('bounds both ends in code points', () => {
    expect(errorsOf({ ranged: '😀' })).toEqual([
      'ranged must be longer than or equal to 2 characters',
    ]);
    expect(errorsOf({ ranged: '😀😀' })).toEqual([]);
    expect(errorsOf({ ranged: HEART })).toEqual([]);
    expect(errorsOf({ ranged: HEART.repeat(2) })).toEqual([]);
    expect(errorsOf({ ranged: HEART.repeat(2) + '😀' })).toEqual([
      'ranged must be shorter than or equal to 4 characters',
    ]);
    expect(errorsOf({ ranged: '' })).toHaveLength(1);
  });
});

describe('AddressDto', () => {
  const address = {
    name: 'Ada Lovelace',
    line1: '12 Analytical Street',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  };
  const invalid = (plain: object) =>
    validateSync(plainToInstance(AddressDto, { ...address, ...plain })).map((e) => e.property);

  test('a name of 200 emoji is 200 characters; 201 is too long', () => {
    expect(invalid({ name: '😀'.repeat(200) })).toEqual([]);
    expect(invalid({ name: '😀'.repeat(201) })).toEqual(['name']);
  });

  test('100 hearts with their selector are 200 characters; one more is too long', () => {
    expect(invalid({ line1: HEART.repeat(100) })).toEqual([]);
    expect(invalid({ line1: HEART.repeat(100) + 'x' })).toEqual(['line1']);
    expect(invalid({ city: HEART.repeat(51) })).toEqual(['city']);
  });
});

class NormalizedProbe {
  @NormalizedText(4, trimmed)
  trimmed!: unknown;

  @NormalizedText(4, (v) => v.normalize('NFKC'))
  folded!: unknown;
}

describe('NormalizedText: the limit counts the value as sent, then the stored form', () => {
  const check = (plain: object) => {
    const probe = plainToInstance(NormalizedProbe, { trimmed: 'ok', folded: 'ok', ...plain });
    return { probe, invalid: validateSync(probe).map((e) => e.property) };
  };

  test('surrounding spaces count: 4 with one space is 5 as sent, refused', () => {
    expect(check({ trimmed: 'abcd ' }).invalid).toEqual(['trimmed']);
    expect(check({ trimmed: ' abcd' }).invalid).toEqual(['trimmed']);
  });

  test('a value within the limit as sent is accepted and stored trimmed', () => {
    const { probe, invalid } = check({ trimmed: ' abc' });
    expect(invalid).toEqual([]);
    expect(probe.trimmed).toBe('abc');
  });

  test('a stored form longer than the limit is refused ("ﬀ" folds to "ff")', () => {
    expect(check({ folded: 'ab\ufb00' }).invalid).toEqual([]);
    expect(check({ folded: 'abc\ufb00' }).invalid).toEqual(['folded']);
  });

  test('what is not a string is refused, untouched', () => {
    const { probe, invalid } = check({ trimmed: 12 });
    expect(invalid).toEqual(['trimmed']);
    expect(probe.trimmed).toBe(12);
  });
});

describe('RegisterDto and LoginDto at their limits', () => {
  /** An address of exactly `length` code points (labels of at most 62 letters). */
  const anEmailOf = (length: number) => {
    const local = 'ada';
    const labels = Array.from({ length: length - local.length - 1 - '.test'.length }, (_, i) =>
      i % 63 === 62 ? '.' : 'd',
    );
    if (labels.at(-1) === '.') labels[labels.length - 1] = 'd';
    return `${local}@${labels.join('')}.test`;
  };
  const register = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' };
  const check = (plain: object) => {
    const dto = plainToInstance(RegisterDto, { ...register, ...plain });
    return { dto, invalid: validateSync(dto).map((e) => e.property) };
  };

  test('e-mail: 254 characters pass; with a space each side (256 as sent) they do not', () => {
    expect(check({ email: anEmailOf(254) }).invalid).toEqual([]);
    expect(check({ email: ` ${anEmailOf(254)} ` }).invalid).toEqual(['email']);
    const loginErrors = validateSync(
      plainToInstance(LoginDto, { email: ` ${anEmailOf(254)} `, password: 'x' }),
    );
    expect(loginErrors.map((e) => e.property)).toEqual(['email']);
  });

  test('e-mail: 252 characters with a space each side pass and are stored trimmed, lower case', () => {
    const email = anEmailOf(252);
    const { dto, invalid } = check({ email: ` ${email.toUpperCase()} ` });
    expect(invalid).toEqual([]);
    expect(dto.email).toBe(email);
  });

  test('name: 100 characters and a trailing space are 101, refused; 99 and a space are stored as 99', () => {
    expect(check({ name: `${'n'.repeat(100)} ` }).invalid).toEqual(['name']);
    const { dto, invalid } = check({ name: `${'n'.repeat(99)} ` });
    expect(invalid).toEqual([]);
    expect(dto.name).toBe('n'.repeat(99));
    expect(check({ name: '   ' }).invalid).toEqual(['name']);
  });
});
