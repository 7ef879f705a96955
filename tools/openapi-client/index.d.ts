/** The TypeScript version openapi-typescript resolves from this workspace (5.x, not the root's 7). */
export declare const typescriptVersion: string;
/** The .d.ts text (`paths`, `components`, `operations`) for an OpenAPI document: a file path or URL. */
export declare function generateTypes(source: string | URL): Promise<string>;
