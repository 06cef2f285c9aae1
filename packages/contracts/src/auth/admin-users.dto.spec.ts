import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { AdminUsersQueryDto } from './admin-users.dto.js';

const parse = (plain: object) => {
  const dto = plainToInstance(AdminUsersQueryDto, plain);
  return { dto, errors: validateSync(dto).map((e) => e.property) };
};

describe('AdminUsersQueryDto q', () => {
  test('is trimmed and kept as typed otherwise (case, % and _ included)', () => {
    const { dto, errors } = parse({ q: '  Ada_50% ' });
    expect(errors).toEqual([]);
    expect(dto.q).toBe('Ada_50%');
  });

  test.each([[''], ['   '], ['x'.repeat(101)], [['a', 'b']]])('refuses %j', (q) => {
    expect(parse({ q }).errors).toEqual(['q']);
  });

  test('100 characters, counted as code points, are enough', () => {
    expect(parse({ q: '😀'.repeat(100) }).errors).toEqual([]);
  });
});
