import { MetaError } from '../../errors/MetaError.js';
import type { Gate } from '../../records/types.js';
import { approvalsGate } from './approvalsGate.js';
import { commandGate } from './commandGate.js';
import { fleetGate } from './fleetGate.js';
import type { GateContext, GateOutcome, GateVerdict } from './GateOutcome.js';
import { httpGate } from './httpGate.js';
import { soakGate } from './soakGate.js';
import { verificationGate } from './verificationGate.js';

/**
 * Evaluates one gate of a stage for a candidate: the one dispatcher over the gate types, so a new
 * type is one file and one line here.
 *
 * @example
 * const o = await evaluateGate(ctx, { type: 'approvals', count: 2 }, 0);
 * console.log(o.state, o.detail);
 */
export async function evaluateGate(ctx: GateContext, gate: Gate, index: number): Promise<GateOutcome> {
  try {
    return { index, type: gate.type, ...(await verdict(ctx, gate)) };
  } catch (e) {
    // A record the gate reads that does not decode blocks the gate, not the whole round.
    const code = e instanceof MetaError ? e.code : 'INTERNAL';
    return { index, type: gate.type, state: 'failed', detail: `could not be evaluated: ${e instanceof MetaError ? e.message : 'internal error'}`, evidence: { error: code } };
  }
}

function verdict(ctx: GateContext, gate: Gate): GateVerdict | Promise<GateVerdict> {
  switch (gate.type) {
    case 'soak': return soakGate(ctx, gate);
    case 'http': return httpGate(gate);
    case 'fleet': return fleetGate(ctx, gate);
    case 'verification': return verificationGate(ctx, gate);
    case 'approvals': return approvalsGate(ctx, gate);
    case 'command': return commandGate(ctx, gate);
  }
}
