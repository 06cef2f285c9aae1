import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { AddressDto } from '../orders/address.dto.js';
import { CodePointLength, MaxCodePoints } from './text-length.js';

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
