import { describe, expect, it } from 'vitest';
import { memRepo } from '../helpers/memRepo.js';
import { encodeRecord } from '../../src/records/codec.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import { promotionPath } from '../../src/records/layout.js';
import { channelHead } from '../../src/resolve/channelHead.js';
import { channelState } from '../../src/resolve/channelState.js';
import type { PromotionAction, ReleaseRef } from '../../src/records/types.js';
import { mulberry32 } from '../helpers/random.js';

const rng = mulberry32;

describe('channelHead (newest-first resolution)', () => {
  it('agrees with the full replay of channelState on random channel histories', async () => {
    const { repo } = await memRepo();
    const releases: ReleaseRef[] = ['a', 'b', 'c', 'd'].map((c, i) => ({ githash: c.repeat(40), version: `1.${i}` }));
    const actions: PromotionAction[] = ['promote', 'promote', 'promote', 'rollback', 'hold', 'release-hold', 'yank'];
    const project = 'acme/app';
    let checked = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rand = rng(seed);
      const channel = `c${seed}`;
      const len = 1 + Math.floor(rand() * 12);
      const files: { path: string; data: Uint8Array }[] = [];
      for (let seq = 1; seq <= len; seq++) {
        const action = actions[Math.floor(rand() * actions.length)]!;
        const release = releases[Math.floor(rand() * releases.length)]!;
        files.push({
          path: promotionPath(project, channel, seq),
          data: encodeRecord('promotion', {
            header: makeHeader('promotion', 't', new Date(0)), project, channel, sequence: seq, action, release, previous: null, reason: '',
            rollout: null, expectedPreviousSequence: seq - 1, approvals: [], previousPromotion: '', forced: false,
          }),
        });
      }
      await repo.store.append(() => ({ files, message: `channel ${channel}` }), { actor: 't' });
      const snap = repo.store.snapshot();
      const full = channelState(snap, repo.reader, project, channel);
      const head = channelHead(snap, repo.reader, project, channel);
      expect(head.current, `seed ${seed}`).toEqual(full.current);
      expect(head.currentEntry?.path ?? null, `seed ${seed}`).toEqual(full.currentEntry?.path ?? null);
      checked++;
    }
    expect(checked).toBe(150);
  });

  it('agrees with the full replay on the rollout in waves too (promotions with waves, wave records, rollbacks, yanks)', async () => {
    const { repo } = await memRepo();
    const releases: ReleaseRef[] = ['a', 'b', 'c', 'd'].map((c, i) => ({ githash: c.repeat(40), version: `1.${i}` }));
    const actions: PromotionAction[] = ['promote', 'promote', 'wave', 'wave', 'wave', 'rollback', 'hold', 'yank'];
    const project = 'acme/app';
    let withRollout = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = rng(seed * 7919);
      const channel = `w${seed}`;
      const len = 1 + Math.floor(rand() * 10);
      const files: { path: string; data: Uint8Array }[] = [];
      for (let seq = 1; seq <= len; seq++) {
        const action = actions[Math.floor(rand() * actions.length)]!;
        const release = releases[Math.floor(rand() * releases.length)]!;
        const waves = rand() < 0.2 ? [30, 20, 100] : [10, 50, 100]; // some malformed: read as "all at once"
        const rollout = action === 'promote' || action === 'wave' ? (rand() < 0.8 ? { waves, waveIntervalSeconds: 60, wave: Math.floor(rand() * 4), maxFailedPercent: 20 } : null) : null;
        files.push({
          path: promotionPath(project, channel, seq),
          data: encodeRecord('promotion', {
            header: makeHeader('promotion', 't', new Date(0)), project, channel, sequence: seq, action, release,
            previous: rand() < 0.8 ? releases[Math.floor(rand() * releases.length)]! : null, reason: '',
            rollout, expectedPreviousSequence: seq - 1, approvals: [], previousPromotion: '', forced: false,
          }),
        });
      }
      await repo.store.append(() => ({ files, message: `channel ${channel}` }), { actor: 't' });
      const snap = repo.store.snapshot();
      const full = channelState(snap, repo.reader, project, channel);
      const head = channelHead(snap, repo.reader, project, channel);
      expect(head.current, `seed ${seed}`).toEqual(full.current);
      const view = (r: typeof full.rollout) => r && { target: r.target, fallback: r.fallback, wave: r.wave, percent: r.percent, start: r.startEntry.path, at: r.waveEntry.path, complete: r.complete };
      expect(view(head.rollout), `seed ${seed}`).toEqual(view(full.rollout));
      if (full.rollout) withRollout++;
    }
    expect(withRollout).toBeGreaterThan(20);
  });
});
