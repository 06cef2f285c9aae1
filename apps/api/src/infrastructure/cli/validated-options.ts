import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * A command's options read through the request DTO of the route doing the
 * same thing, so the command line takes exactly what the API takes (its
 * limits, its normalising) and stores nothing the API's replies could not
 * carry. Throws with each broken rule, named as an option.
 */
export function validatedOptions<T extends object>(dto: new () => T, plain: object): T {
  const input = plainToInstance(dto, plain);
  const problems = validateSync(input).flatMap((e) => Object.values(e.constraints ?? {}));
  if (problems.length > 0) throw new Error(problems.map((p) => `--${p}`).join('; '));
  return input;
}
