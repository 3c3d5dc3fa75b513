// ESLint 9 (flat config): typescript-eslint's recommended rules without type information (the type-checked set
// would double the run for little that the strict tsc does not already catch), plus a few house rules that cost
// the code base almost nothing. Layout is Prettier's job (prettier.config.js), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'models/', 'fixtures/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // a terminal tool: the sanitiser, the renderers and their tests match escape and control characters on purpose
      'no-control-regex': 'off',
      // `_name` marks a binding kept for its position (a skipped tuple slot, a rest sibling that drops a key)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // types stay out of the built JS (esbuild compiles file by file and cannot tell a type from a value)
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // == null for "null or undefined", === everywhere else
      eqeqeq: ['error', 'smart'],
      'object-shorthand': 'error',
      // `!` after a lookup the code has just checked is the house style (hundreds of them): left to tsc's strictness
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // tests and benchmarks poke at loose shapes (fast-check arbitraries, parsed JSON) on purpose
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
