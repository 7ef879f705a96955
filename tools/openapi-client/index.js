// openapi-typescript imports the TypeScript 5 compiler API (`import ts from "typescript"`). This
// module lives in its own workspace so that import resolves tools/openapi-client/node_modules/
// typescript (5.x), while the project's own `tsc` at the root stays TypeScript 7.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import openapiTS, { astToString } from 'openapi-typescript';

const require = createRequire(import.meta.url);

/** The TypeScript version openapi-typescript resolves from here (5.x, not the root's 7). */
export const typescriptVersion = require('typescript/package.json').version;

/** The .d.ts text (`paths`, `components`, `operations`) for an OpenAPI document file or URL. */
export async function generateTypes(source) {
  const input = source instanceof URL && source.protocol !== 'file:' ? source : JSON.parse(await readFile(source, 'utf8'));
  const ast = await openapiTS(input);
  return astToString(ast);
}
