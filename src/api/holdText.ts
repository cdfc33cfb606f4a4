import type { ChannelState } from '../resolve/channelState.js';

/** "channel stable of acme/app is on hold (by Ada, since …: reason)": what a refusal tells the user. */
export function holdText(state: ChannelState): string {
  const h = state.holdEntry?.record;
  const who = h ? ` (by ${h.header.actor}, since ${h.header.createdAt}${h.reason ? `: ${h.reason}` : ''})` : '';
  return `channel ${state.channel} of ${state.project} is on hold${who}`;
}
