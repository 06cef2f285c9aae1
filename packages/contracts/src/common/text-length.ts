import { codePointLength, normalizeWithin } from '@minishop/domain';
import { Transform } from 'class-transformer';
import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/*
 * Length rules counted as the OpenAPI document's minLength/maxLength are
 * (JSON Schema: code points), so what the document allows and what the API
 * accepts are the same strings. class-validator's MaxLength/MinLength/Length
 * count otherwise: a character followed by a variation selector (U+FE0F,
 * as in "❤️") is one for them and two for JSON Schema, so a name of 100 such
 * emoji, 200 characters by the document's count, passed a maxLength of 100
 * and came back in replies that broke the published schema.
 * ESLint keeps class-validator's versions out of this package.
 */

const inRange = (value: unknown, min: number, max: number): boolean => {
  if (typeof value !== 'string') return false;
  const length = codePointLength(value);
  return length >= min && length <= max;
};

/** At most `max` characters (code points), as the document's `maxLength: max`. */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      constraints: [max],
      validator: {
        validate: (value) => inRange(value, 0, max),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be shorter than or equal to $constraint1 characters`,
          options,
        ),
      },
    },
    options,
  );
}

/** Between `min` and `max` characters (code points), as `minLength: min, maxLength: max`. */
export function CodePointLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'codePointLength',
      constraints: [min, max],
      validator: {
        validate: (value) => inRange(value, min, max),
        defaultMessage: buildMessage(
          (each, args) =>
            typeof args?.value === 'string' && codePointLength(args.value) < min
              ? `${each}$property must be longer than or equal to $constraint1 characters`
              : `${each}$property must be shorter than or equal to $constraint2 characters`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * For every field the API trims or normalises before storing it (e-mail
 * addresses, names): the limit holds for the value as sent, as the
 * document's `maxLength` describes it, and again for the normalised value
 * the other validators see and that is stored. The order is the domain's
 * `normalizeWithin`, which the catalog import applies to its lines too, so
 * both ways in accept and refuse the same values. A value the document
 * allows is refused only when its stored form would not fit (said in the
 * field's description).
 */
export function NormalizedText(
  max: number,
  normalize: (value: string) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  const normalizeWithinLimit = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normalizeWithin(value, max, normalize) : value,
  );
  const limit = MaxCodePoints(max, options);
  return (target, key) => {
    normalizeWithinLimit(target, key);
    limit(target, key);
  };
}

export { trimmed } from '@minishop/domain';
