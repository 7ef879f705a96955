import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorKeys } from './services';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const arn = 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:CursorSecret-AbCdEf';

describe('the cursor keys of the composition root', () => {
  it('reads them from the Secrets Manager secret named by CURSOR_SECRET_ARN, only when first asked for', async () => {
    sm.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ current: 'k'.repeat(64), previous: 'p'.repeat(64) }) });
    const source = cursorKeys({ CURSOR_SECRET_ARN: arn, CURSOR_SECRET: undefined, CURSOR_SECRET_PREVIOUS: undefined, AWS_REGION: 'ap-south-1' });
    expect(sm.calls()).toHaveLength(0);
    expect(typeof source === 'function' && (await source())).toEqual({ current: 'k'.repeat(64), previous: 'p'.repeat(64) });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: arn }]);
  });

  it('takes them from the environment when no secret is named (the local stack, the tests)', () => {
    expect(cursorKeys({ CURSOR_SECRET_ARN: undefined, CURSOR_SECRET: 'l'.repeat(32), CURSOR_SECRET_PREVIOUS: undefined, AWS_REGION: 'ap-south-1' })).toEqual({
      current: 'l'.repeat(32),
      previous: undefined,
    });
  });
});
