/**
 * What every gate evaluator sees and answers. A gate reads one snapshot (the commit the
 * evaluation round started from) and the clock, so one round judges every gate against the same
 * state of the repository.
 */
import type { GateState, GateType, Pipeline, PipelineStage, Release, ReleaseRef } from '../../records/types.js';
import type { Snapshot } from '../../store/Snapshot.js';
import type { MetaRepo } from '../openMeta.js';

/** One gate's verdict, with what a person reads (`detail`) and what a machine reads (`evidence`). */
export interface GateOutcome {
  /** Position of the gate in its stage. */
  index: number;
  type: GateType;
  state: GateState;
  detail: string;
  /** Machine-readable facts, e.g. `{ status: '503', tries: '3' }`. */
  evidence: Record<string, string>;
}

/** Where `command` gates, `validate` and `on_promote` may run, and in which directory. */
export interface CommandPolicy {
  /**
   * Run commands at all. Whoever can write the pipeline record chooses them, so a caller must
   * opt in (`--allow-commands`); without it a command gate fails and says why.
   */
  allow: boolean;
  /** Working directory (default: a fresh temporary directory, removed afterwards). */
  cwd?: string;
}

export interface GateContext {
  repo: MetaRepo;
  snap: Snapshot;
  project: string;
  pipeline: Pipeline;
  stage: PipelineStage;
  candidate: ReleaseRef;
  release: Release;
  now: Date;
  commands: CommandPolicy;
}

/** A verdict before it is numbered: what each gate type's evaluator returns. */
export type GateVerdict = Omit<GateOutcome, 'index' | 'type'>;
