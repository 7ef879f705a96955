import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../domain/errors';
import { problemResponse, statusOf } from './problem';

describe('problem responses', () => {
  it.each([
    ['bad_request', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['precondition_failed', 412],
    ['payload_too_large', 413],
    ['unsupported_media_type', 415],
    ['invalid', 422],
    ['precondition_required', 428],
  ] as const)('maps %s to %i', (kind, status) => expect(statusOf(kind)).toBe(status));

  it('shows a domain error with its code and details', () => {
    const res = problemResponse(new DomainError('conflict', 'duplicate_client', 'Taken.', { existingClientId: 'c_1' }), 'req-1', '/v1/clients');
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body!)).toEqual({
      type: 'https://errors.crm.example/duplicate_client',
      title: 'Conflict',
      status: 409,
      code: 'duplicate_client',
      detail: 'Taken.',
      instance: '/v1/clients',
      requestId: 'req-1',
      existingClientId: 'c_1',
    });
  });

  it('hides the cause of anything else behind a generic 500', () => {
    const res = problemResponse(new Error('connect ECONNREFUSED 10.0.0.1 secret=hunter2'), 'req-2', '/v1/x');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(JSON.parse(res.body!).code).toBe('internal_error');
  });
});
