import type { FieldErrorDto, ProblemDto } from '@minishop/contracts';

export const PROBLEM_BASE = 'https://minishop.dev/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function problemTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request error');
}

export function problem(input: {
  status: number;
  type: string;
  detail: string;
  instance: string;
  title?: string;
  errors?: FieldErrorDto[];
}): ProblemDto {
  return {
    type:
      input.type.startsWith('http') || input.type === 'about:blank'
        ? input.type
        : PROBLEM_BASE + input.type,
    title: input.title ?? problemTitle(input.status),
    status: input.status,
    detail: input.detail,
    instance: input.instance,
    ...(input.errors && input.errors.length > 0 ? { errors: input.errors } : {}),
  };
}
