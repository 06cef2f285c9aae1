import { ConflictError, InvalidInputError, NotFoundError } from '../errors/domain-error.js';

/** The longest period one sales report covers. */
export const SALES_REPORT_MAX_DAYS = 366;

export class ReportNotFoundError extends NotFoundError {
  readonly code = 'REPORT.NOT_FOUND';
  constructor(id: string) {
    super(`No report "${id}"`);
  }
}

export class ReportNotReadyError extends ConflictError {
  readonly code = 'REPORT.NOT_READY';
  constructor(id: string, status: string) {
    super(`Report "${id}" is ${status}; its file exists once it is completed`);
  }
}

export class InvalidReportPeriodError extends InvalidInputError {
  readonly code = 'REPORT.INVALID_PERIOD';
  constructor(message: string, field: 'from' | 'to' = 'to') {
    super(message, [{ field, message }]);
  }
}

/** A half-open period [from, to): `to` after `from`, at most a year long. */
export function reportPeriod(from: Date, to: Date): { from: Date; to: Date } {
  // An Invalid Date compares false with everything: without this, it was
  // answered "to must be later than from", naming neither the field nor the fault.
  for (const [field, date] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (Number.isNaN(date.getTime())) {
      throw new InvalidReportPeriodError(`${field} is not a valid date`, field);
    }
  }
  if (!(to.getTime() > from.getTime())) {
    throw new InvalidReportPeriodError('to must be later than from');
  }
  if (to.getTime() - from.getTime() > SALES_REPORT_MAX_DAYS * 86_400_000) {
    throw new InvalidReportPeriodError(`the period must not exceed ${SALES_REPORT_MAX_DAYS} days`);
  }
  return { from, to };
}

/**
 * One CSV field: quoted when it holds a delimiter, quote or line break, and
 * prefixed with a quote when a spreadsheet would run it as a formula
 * (values such as names and e-mails come from customers).
 */
export function csvField(value: string | number): string {
  let v = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
