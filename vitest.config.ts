import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', '.local/**'],
    // One DynamoDB Local for the whole run (test/global-setup.ts); each file gets its own table.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: parallel, but bounded.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'ap-south-1' },
  },
});
