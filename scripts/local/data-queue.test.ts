import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalQueue } from './data-queue';

/** A consumer that records the bodies it received, and the receive count of each. */
function consumer(fail: (body: string, receive: number) => boolean = () => false) {
  const received: [string, number][] = [];
  const handler = async (event: SQSEvent) => {
    const failures = [];
    for (const r of event.Records) {
      const receive = Number(r.attributes.ApproximateReceiveCount);
      received.push([r.body, receive]);
      if (fail(r.body, receive)) failures.push({ itemIdentifier: r.messageId });
    }
    return { batchItemFailures: failures };
  };
  return { received, handler };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the local queue (SQS and its consumer in one process)', () => {
  it('delivers a delayed message when its delay has passed, driven by fake timers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const c = consumer();
    const q = startLocalQueue<{ n: number }>({ entry: 'unused', name: 'test', maxReceiveCount: 3, handler: c.handler });
    const sent = Date.now();
    await q.send({ n: 1 }, { delaySeconds: 300 });
    await q.send({ n: 2 });
    // setImmediate is real: the undelayed message goes at once (waitFor moves the fake clock as it polls).
    await vi.waitFor(() => expect(c.received).toEqual([['{"n":2}', 1]]));
    await vi.advanceTimersByTimeAsync(sent + 299_999 - Date.now());
    expect(c.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await q.idle();
    expect(c.received).toEqual([
      ['{"n":2}', 1],
      ['{"n":1}', 1],
    ]);
    await q.stop();
  });

  it('held delays wait for releaseDue: what is due by the (fake) clock is received, the rest waits', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-02T10:00:00Z') });
    const c = consumer();
    const q = startLocalQueue<{ n: number }>({ entry: 'unused', name: 'test', maxReceiveCount: 3, handler: c.handler });
    q.holdDelays();
    await q.send({ n: 1 }, { delaySeconds: 3600 });
    await q.send({ n: 2 }, { delaySeconds: 5 });
    // Held messages are not waited for.
    await q.idle();
    expect(c.received).toEqual([]);
    expect(q.nextDue()).toBe(Date.parse('2026-03-02T10:00:05Z'));
    vi.setSystemTime(q.nextDue()!);
    expect(q.releaseDue()).toBe(1);
    await q.idle();
    expect(c.received).toEqual([['{"n":2}', 1]]);
    expect(q.nextDue()).toBe(Date.parse('2026-03-02T11:00:00Z'));
    expect(q.releaseDue()).toBe(0);
    vi.setSystemTime(Date.parse('2026-03-02T11:00:00Z'));
    expect(q.releaseDue()).toBe(1);
    await q.idle();
    expect(c.received.map(([b]) => b)).toEqual(['{"n":2}', '{"n":1}']);
    expect(q.nextDue()).toBeUndefined();
    await q.stop();
  });

  it('a failed message comes back until its receives run out', async () => {
    const c = consumer(() => true);
    const q = startLocalQueue<{ n: number }>({ entry: 'unused', name: 'test', maxReceiveCount: 3, retryDelayMs: 1, handler: c.handler });
    await q.send({ n: 1 });
    await q.idle();
    expect(c.received).toEqual([
      ['{"n":1}', 1],
      ['{"n":1}', 2],
      ['{"n":1}', 3],
    ]);
    await q.stop();
  });
});
