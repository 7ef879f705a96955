import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

export type Item = Record<string, unknown>;

/** One item change from the table's stream (NEW_AND_OLD_IMAGES), images unmarshalled. */
export interface ItemChange {
  /** The stream record's eventID: globally unique and the same on every redelivery. */
  sourceId: string;
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  newItem?: Item;
  oldItem?: Item;
  /** When DynamoDB recorded the change (second precision). */
  recordedAt: Date;
}

export class MalformedStreamRecordError extends Error {
  override readonly name = 'MalformedStreamRecordError';
}

export function itemChangeOf(record: DynamoDBRecord): ItemChange {
  const { eventID, eventName, dynamodb } = record;
  if (!eventID || !eventName || !dynamodb) throw new MalformedStreamRecordError(`stream record ${eventID ?? '?'} lacks eventID, eventName or dynamodb`);
  const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  const newItem = image(dynamodb.NewImage);
  const oldItem = image(dynamodb.OldImage);
  return {
    sourceId: eventID,
    kind: eventName,
    ...(newItem && { newItem }),
    ...(oldItem && { oldItem }),
    recordedAt: new Date((dynamodb.ApproximateCreationDateTime ?? 0) * 1000),
  };
}
