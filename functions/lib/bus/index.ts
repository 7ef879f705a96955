import { pipelineConfig } from '../config';
import type { EventBus } from './event-bus';
import { createEventBridgeClient, EventBridgeBus } from './eventbridge';

export type { EventBus } from './event-bus';

let bus: EventBus | undefined;

/** The process's bus, built once: EventBridge unless the local stack installed its own. */
export function getEventBus(): EventBus {
  if (!bus) {
    const cfg = pipelineConfig();
    // Locally the bus lives in the stack's process; never fall through to real AWS.
    if (cfg.EVENT_BUS_MODE === 'local') throw new Error('EVENT_BUS_MODE=local but no local bus is installed (scripts/local/stack.ts installs it)');
    if (!cfg.EVENT_BUS_NAME) throw new Error('EVENT_BUS_NAME is required to publish to EventBridge');
    bus = new EventBridgeBus(createEventBridgeClient(cfg.AWS_REGION), cfg.EVENT_BUS_NAME);
  }
  return bus;
}

/** The local stack plugs its in-process bus in here before any handler runs; `undefined` removes it. */
export function installEventBus(local: EventBus | undefined): void {
  bus = local;
}
