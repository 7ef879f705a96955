import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Which items of a cancelled transaction failed their condition (by position), with the old image when returned. */
export function failedConditions(error: unknown): { index: number; item?: Record<string, unknown> }[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? [])
    .map((reason, index) => ({ index, code: reason.Code, item: reason.Item }))
    .filter((r) => r.code === 'ConditionalCheckFailed')
    .map(({ index, item }) => ({ index, ...(item && { item: item as Record<string, unknown> }) }));
}

