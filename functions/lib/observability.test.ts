import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { count, flushMetrics, metrics } from './observability';

afterEach(() => vi.restoreAllMocks());

describe('metrics (#11 item 2)', () => {
  it('are off outside Lambda: no EMF line on a developer’s console', () => {
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
    expect(process.env.POWERTOOLS_METRICS_DISABLED).toBe('true');
  });

  it('count nothing for zero, and flush nothing when nothing was counted', () => {
    const add = vi.spyOn(metrics, 'addMetric');
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    count('FactsLoaded', 0);
    flushMetrics();
    expect(add).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
    count('FactsLoaded', 3);
    expect(add).toHaveBeenCalledWith('FactsLoaded', 'Count', 3);
    flushMetrics();
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('name the service in the `service` dimension, the one the alarms read (infra/stacks/monitoring.ts)', () => {
    const m = new Metrics({ namespace: 'Crm', serviceName: 'crm-analytics' });
    m.addMetric('ClickHouseFailures', 'Count', 1);
    const emf = m.serializeMetrics();
    expect(emf._aws.CloudWatchMetrics).toEqual([{ Namespace: 'Crm', Dimensions: [['service']], Metrics: [{ Name: 'ClickHouseFailures', Unit: 'Count' }] }]);
    expect(emf).toMatchObject({ service: 'crm-analytics', ClickHouseFailures: 1 });
  });
});
