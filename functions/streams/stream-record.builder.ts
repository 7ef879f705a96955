import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { keys } from '../lib/store/keys';

/**
 * Stream records shaped exactly as Lambda delivers them from a NEW_AND_OLD_IMAGES stream
 * (DynamoDB JSON images, epoch-second timestamps), for tests.
 */
let sequence = 100_000_000_000_000_000_000n;

export function streamRecord(change: { eventName: 'INSERT' | 'MODIFY' | 'REMOVE'; newItem?: Record<string, unknown>; oldItem?: Record<string, unknown>; eventID?: string; at?: Date }): DynamoDBRecord {
  const item = change.newItem ?? change.oldItem ?? {};
  const image = (i?: Record<string, unknown>) => (i ? (marshall(i, { removeUndefinedValues: true }) as never) : undefined);
  sequence += 1n;
  return {
    eventID: change.eventID ?? crypto.randomUUID().replaceAll('-', ''),
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ap-south-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((change.at ?? new Date('2026-03-02T04:30:13Z')).getTime() / 1000),
      Keys: image({ pk: item.pk, sk: item.sk }),
      ...(change.newItem && { NewImage: image(change.newItem) }),
      ...(change.oldItem && { OldImage: image(change.oldItem) }),
      SequenceNumber: String(sequence),
      SizeBytes: 256,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:ap-south-1:111122223333:table/crm/stream/2026-03-01T00:00:00.000',
  };
}

/** A client item as ClientsRepository writes it. */
export function clientItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as string | undefined) ?? 'c_01jnq8x7d3k2m4p6r8t0v2w4y6';
  const tenantId = (overrides.tenantId as string | undefined) ?? 'demo';
  return {
    ...keys.client(tenantId, id),
    entity: 'client',
    tenantId,
    id,
    companyName: 'Sree Jewellers',
    ownerName: 'Anil Kumar',
    mobile: '+919847012345',
    email: 'anil@sreejewellers.in',
    geo: { lat: 9.9816, lng: 76.2999 },
    createdBy: 'tse-1',
    createdAt: '2026-03-02T04:30:12.345Z',
    updatedAt: '2026-03-02T04:30:12.345Z',
    version: 1,
    ...overrides,
  };
}
