import { codePointLength } from '@minishop/domain';
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
 * The one order for every field the API trims or normalises before storing
 * it (e-mail addresses, names):
 *
 * 1. the limit is checked on the value as sent, as the document's
 *    `maxLength` describes it, so surrounding spaces count and a value the
 *    document refuses is refused;
 * 2. only a value within it is normalised;
 * 3. the normalised value, the one the other validators see and that is
 *    stored, is held to the same limit, since NFKC or case mapping can
 *    lengthen a string ("ﬀ" becomes "ff", "İ" two code points).
 *
 * So nothing stored is longer than the limit, and a value the document allows
 * is refused only when its stored form would not fit (said in the field's
 * description). A value over the limit is left as sent, so step 3 reports it.
 */
export function NormalizedText(
  max: number,
  normalize: (value: string) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  const normalizeWithin = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && codePointLength(value) <= max ? normalize(value) : value,
  );
  const limit = MaxCodePoints(max, options);
  return (target, key) => {
    normalizeWithin(target, key);
    limit(target, key);
  };
}

/** For {@link NormalizedText}: surrounding white space is dropped. */
export const trimmed = (value: string): string => value.trim();
