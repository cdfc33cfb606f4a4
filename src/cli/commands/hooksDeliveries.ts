import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { hook?: string; limit: number; failed?: boolean; stateDir?: string }>({
  async run(ctx, args) {
    const { listDeliveries, webhookState } = await import('../../webhooks/deliveryLog.js');
    const stateDir = args.stateDir || webhookState(await open(ctx, args));
    const list = listDeliveries({ stateDir, hook: args.hook, limit: args.limit, failed: args.failed });
    emit(ctx, args, list, () => list.length === 0 ? 'no deliveries logged' : list.map((d) =>
      `${d.at}  ${d.hook}  ${d.ok ? 'ok    ' : 'FAILED'}  ${d.status || '-'}  #${d.attempt}  ${d.type}  ${d.event.slice(0, 14)}  ${d.delivery}${d.error ? `  ${d.error}` : ''}`));
  },
});
