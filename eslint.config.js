import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', '.build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain Node scripts (scripts/node24.mjs runs before Node 24 is known to be there, so it is not TypeScript).
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } }
  },
  // The one CommonJS file, a Jest transform (__tests__/harness/json-import-attributes.cjs).
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } }
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true }
      ],
      // The googleapis root loads every API: a 38 MB bundle and 0.7 s of start (REFERENCE.md).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'googleapis',
              message:
                "Import one API from its own file, e.g. 'googleapis/build/src/apis/run/v2.js'."
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // The bundle replaces @actions/http-client and @actions/exec with stubs (src/bundle-shims/): the
      // only parts of @actions/core that need them must not be called.
      'no-restricted-properties': [
        'error',
        {
          object: 'core',
          property: 'getIDToken',
          message: 'Fetch the token as src/auth.ts does; @actions/http-client is not bundled.'
        },
        {
          object: 'core',
          property: 'platform',
          message: '@actions/exec is not bundled (src/bundle-shims/actions-exec.ts).'
        }
      ]
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/inputs.ts'],
    rules: {
      // Only src/inputs.ts reads the raw inputs; everything else gets the typed Config.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^get(Input|BooleanInput|MultilineInput)$/]',
          message: 'Read inputs only in src/inputs.ts and pass the Config down.'
        }
      ]
    }
  }
)
