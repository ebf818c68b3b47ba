// Lint that catches real bugs: unawaited promises, non-exhaustive switches, and module boundaries
// (util libs stay free of NestJS and I/O; data-access libs never reach into apps).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const boundaries = (testOnly) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:data-access', 'type:testing'] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:data-access'] },
      { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:util', 'type:data-access', ...(testOnly ? ['type:testing'] : [])] },
      // Specs of util libs may use the test harness (real services); the libs themselves may not.
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', ...(testOnly ? ['type:testing'] : [])], bannedExternalImports: testOnly ? [] : IO_PACKAGES },
    ],
  },
];

const IO_PACKAGES = ['@nestjs/*', 'pg', 'pg-*', 'ioredis', 'bullmq', '@aws-sdk/*', '@prisma/*', '@smithy/*'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'libs/persistence/src/generated/**', '.venv/**', 'tmp/**', '.fhirlake/**', '.nx/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
);
