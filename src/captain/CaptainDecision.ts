/**
 * One thing the captain decided in a pass, for one stage. Decisions that change the channel are
 * records in the repository (promotion, wave, rollback, gate results); the others say why nothing
 * moved, so a person watching `meta captain` sees every stage's state.
 */
export interface CaptainDecision {
  project: string;
  channel: string;
  action:
    | 'promoted' // a candidate passed its gates and is live (or rolling out) on the stage
    | 'blocked' // a candidate's gates did not all pass (their results are GateResult records)
    | 'wave-advanced' // a healthy wave ran its interval and the rollout widened
    | 'rolled-back' // a failing wave (or a yanked release) was rolled back
    | 'waiting' // a rollout waits for its interval or for hosts to report
    | 'held' // the channel is on hold: nothing done here
    | 'lost-race' // another writer changed the channel first; the next pass re-plans
    | 'failed'; // an error stopped this stage in this pass (the next pass tries again)
  version?: string;
  message: string;
  /** The commit that holds the decision's record, when it wrote one. */
  commit?: string;
}

/** One line for people: `acme/app stable: promoted 1.4.2 (…)`. */
export function decisionLine(d: CaptainDecision): string {
  return `${d.project} ${d.channel}: ${d.action}${d.version ? ` ${d.version}` : ''}: ${d.message}`;
}
