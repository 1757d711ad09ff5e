// @ts-check
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

// Which part of services/ may import which. The engine and the market model are libraries:
// the engine knows no service and nothing of their bootstrap, the market model builds on the
// engine alone, and services/common (that bootstrap) knows neither them nor any service. A
// service reaches another only through its gRPC contract, so the scanner, the coordinator
// and the CLI share code only through these libraries and gen/.
const SERVICES = ["services/scanner", "services/coordinator", "services/cli"];
const importDirection = [
  {
    target: "services/engine",
    from: [...SERVICES, "services/common", "services/market-model"],
    message: "The engine is a library: of the repository it imports only gen/ and itself.",
  },
  {
    target: "services/market-model",
    from: [...SERVICES, "services/common"],
    message: "The market model is a library: of the repository it imports only gen/, the engine and itself.",
  },
  {
    target: "services/common",
    from: [...SERVICES, "services/engine", "services/market-model"],
    message: "services/common is the services' bootstrap: it imports no service and no library of the domain.",
  },
  ...SERVICES.map((service) => ({
    target: service,
    from: SERVICES.filter((other) => other !== service),
    message: "A service reaches another only through its gRPC contract: share code through services/engine, services/market-model, services/common or gen/.",
  })),
];

export default tseslint.config(
  { ignores: ["gen/**", "dist/**", "node_modules/**", ".tools/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ["services/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Sources import each other as `./x.js`; the files are `x.ts`, which the cycle check
      // must parse to follow their imports.
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: importDirection }],
      // Type-only imports are erased, so only cycles of values are reported.
      "import-x/no-cycle": "error",
      // An import the resolver cannot follow would escape both rules above without a word.
      "import-x/no-unresolved": "error",
    },
  },
  {
    // Tests index into fixtures they built themselves; a failed assertion says more than a guard.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
