import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

// Details and actors come from records any writer appends: no terminal control sequences.
// eslint-disable-next-line no-control-regex
const sanitizeForTerminal = (s: string): string => s.replace(/[\0-\x1f\x7f-\x9f]/g, '?');

export default defineCommand<GlobalArgs & { project: string; at?: string }>({
  async run(ctx, args) {
    const { pipelineStatus } = await import('../../api/pipelineStatus.js');
    const repo = await open(ctx, args);
    const s = pipelineStatus(repo, { project: args.project, at: args.at });
    emit(ctx, args, s, () => {
      const lines = [`${s.project} pipeline v${s.pipeline.sequence} at commit ${short(s.commit)}`];
      for (const st of s.stages) {
        lines.push('');
        const flags = [st.auto ? 'auto' : 'manual', ...(st.after ? [`after ${st.after}`] : []), ...(st.held ? ['ON HOLD'] : [])];
        lines.push(`stage ${st.channel} (${flags.join(', ')})`);
        lines.push(`  live       ${st.live ? `${st.live.version} since ${st.live.since} by ${sanitizeForTerminal(st.live.actor)}` : '(nothing)'}`);
        if (st.rollout) lines.push(`  rollout    wave ${st.rollout.wave + 1} at ${st.rollout.percent}%`);
        lines.push(`  candidate  ${st.candidate?.version ?? '(none)'}`);
        if (!st.candidate) continue;
        const width = Math.max(4, ...st.gates.map((g) => g.type.length));
        if (st.gates.length === 0) lines.push('  gates      (none: it may enter as it is)');
        for (const g of st.gates) lines.push(`  ${g.type.padEnd(width)}  ${g.state.toUpperCase().padEnd(7)}  ${sanitizeForTerminal(g.detail.split('\n')[0]!)}${g.at && g.from === 'record' ? ` (${g.at})` : ''}`);
      }
      return lines;
    });
  },
});
