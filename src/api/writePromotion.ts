import { MetaError } from '../errors/MetaError.js';
import { checkChannel } from '../records/names.js';
import { promotionPath } from '../records/layout.js';
import type { PromotionAction, PromotionRollout, ReleaseRef } from '../records/types.js';
import { channelState, type ChannelState, type PromotionEntry } from '../resolve/channelState.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject } from './lookup.js';
import { writeRecords } from './writeRecords.js';

export interface PromotionResult {
  project: string;
  channel: string;
  action: PromotionAction;
  sequence: number;
  release: ReleaseRef;
  previous: ReleaseRef | null;
  /** The rollout in waves the record starts or widens (null: every host at once). */
  rollout: PromotionRollout | null;
  /** False when the release was already live and nothing was written. */
  changed: boolean;
  commit: string;
  githash: string;
  path: string;
  warnings: string[];
}

/** "Nothing to write": the channel already is as asked, and this record says so. */
export interface Unchanged {
  unchanged: PromotionEntry;
}

export interface PromotionDecision {
  action: PromotionAction;
  release: ReleaseRef;
  reason?: string;
  warnings?: string[];
  /** The rollout in waves this record starts or widens (null: every host at once). */
  rollout?: PromotionRollout | null;
  /** Promoted past gates that did not pass. */
  forced?: boolean;
}

/**
 * Writes the next record of a channel, which must be declared in meta.yaml or already have
 * records (else NOT_FOUND with the closest declared names). `decide` sees the channel's state at the tip and runs
 * again if another writer appended first, so the sequence number is always the next free one
 * and every `--expect`/hold check holds at the commit that lands.
 */
export async function writePromotion(
  repo: MetaRepo,
  projectName: string,
  channelName: string,
  decide: (snap: Snapshot, project: string, state: ChannelState) => PromotionDecision | Unchanged | null,
): Promise<PromotionResult> {
  const channel = checkChannel(channelName);
  let project = projectName;
  let warnings: string[] = [];
  // Lazily: the check reads meta.yaml with the YAML parser, which stays off the CLI's start-up path.
  const { requireDeclaredChannel } = await import('./declaredNames.js');
  const res = await unlessNothingToWrite(writeRecords(repo, (snap) => {
    project = requireProject(repo, snap, projectName).name;
    requireDeclaredChannel(snap, project, channel);
    const state = channelState(snap, repo.reader, project, channel);
    const decided = decide(snap, project, state);
    if (!decided || 'unchanged' in decided) {
      // Promoting the live release again (null), or holding a held channel: the record in force answers.
      const e = decided ? decided.unchanged : state.currentEntry!;
      warnings = [];
      throw new NothingToWrite<PromotionResult>({
        project, channel, action: decided ? e.record.action : 'promote', sequence: e.record.sequence, release: e.record.release, previous: decided ? e.record.previous : null, rollout: e.record.rollout,
        changed: false, commit: snap.commit!, githash: e.githash, path: e.path, warnings,
      });
    }
    const d = decided;
    warnings = d.warnings ?? [];
    const sequence = state.lastSequence + 1;
    const path = promotionPath(project, channel, sequence);
    // A wave record widens the rollout in force, so it keeps that rollout's fallback.
    const previous = d.action === 'wave' ? (state.rollout?.fallback ?? state.previous[state.previous.length - 1] ?? null) : state.current;
    const verb = d.action === 'release-hold' ? 'unhold' : d.action;
    const target = d.action === 'rollback' ? ` to ${d.release.version}` : d.action === 'promote' || d.action === 'yank' ? ` ${d.release.version}` : '';
    const wave = d.action === 'wave' && d.rollout ? ` ${d.release.version} to wave ${d.rollout.wave + 1}/${d.rollout.waves.length} (${d.rollout.waves[d.rollout.wave]}%)` : '';
    return {
      records: [{
        kind: 'promotion', path,
        body: {
          project, channel, sequence, action: d.action, release: d.release, previous, reason: d.reason ?? '', rollout: d.rollout ?? null,
          expectedPreviousSequence: state.lastSequence, approvals: [], previousPromotion: state.lastEntry?.githash ?? '', forced: d.forced ?? false,
        },
      }],
      message: `${verb} ${project} ${channel}${target}${wave} (seq ${sequence})`,
      result: { sequence, previous, path, action: d.action, release: d.release, rollout: d.rollout ?? null },
    };
  }), (unchanged: PromotionResult) => unchanged);
  if (!('records' in res)) return res;
  const v = res.value;
  return { project, channel, action: v.action, sequence: v.sequence, release: v.release, previous: v.previous, rollout: v.rollout, changed: true, commit: res.commit, githash: res.records[0]!.githash, path: v.path, warnings };
}

/** Checks `--expect <version>|none` against the channel's current release. */
export function checkExpect(state: ChannelState, expect: string | undefined): void {
  if (expect === undefined) return;
  const actual = state.current?.version ?? 'none';
  if (expect !== actual) {
    throw new MetaError('CONFLICT', `channel ${state.channel} of ${state.project} is at ${actual}, not ${expect} as --expect requires (someone promoted meanwhile); re-read it with 'meta channel show' and decide again`, { project: state.project, channel: state.channel, expected: expect, actual, sequence: state.lastSequence });
  }
}
