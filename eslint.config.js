import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/coverage/**',
      'packages/client/src/schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
      'simple-import-sort/imports': 'warn',
      'simple-import-sort/exports': 'warn',
    },
  },
  {
    files: ['packages/domain/src/**/*.ts'],
    rules: {
      // The domain is plain TypeScript: no framework, ORM or I/O.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@nestjs/*',
                'typeorm',
                'pg',
                'fastify',
                'class-validator',
                'class-transformer',
                'ioredis',
                'stripe',
                'node:fs',
                'node:net',
                'node:http',
              ],
              message: 'packages/domain must stay free of frameworks and I/O.',
            },
            {
              group: ['**/apps/**', '@minishop/api'],
              message: 'The domain never imports from apps.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    rules: {
      // class-validator counts a character and its variation selector as one,
      // JSON Schema (the OpenAPI document) as two: limits would disagree.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'class-validator',
              importNames: ['MaxLength', 'MinLength', 'Length', 'maxLength', 'minLength', 'length'],
              message:
                'Use MaxCodePoints / CodePointLength (common/text-length.ts): they count as the OpenAPI maxLength does.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'packages/contracts/src/common/text-length.ts'],
    rules: {
      // A DTO that trims or normalises a field itself picks its own order of
      // length check and normalisation; NormalizedText fixes the one order.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(trim|trimStart|trimEnd|normalize|toLowerCase|toUpperCase|toLocaleLowerCase|toLocaleUpperCase)$/]',
          message:
            'Normalise request text through NormalizedText (common/text-length.ts): it checks maxLength as sent, then the stored form.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', globalThis: 'readonly' } },
  },
);
