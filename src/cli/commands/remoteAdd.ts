import { defineCommand } from '../command.js';
import { emit, open, warn, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { name: string; url: string }>({
  async run(ctx, args) {
    const { addRemote } = await import('../../api/addRemote.js');
    const repo = await open(ctx, args);
    const r = addRemote(repo, args.name, args.url);
    if (r.droppedCredentials) warn(ctx, ['the credentials in that URL were not stored; give them through $META_GIT_TOKEN, $META_GIT_USERNAME + $META_GIT_PASSWORD, or $META_GIT_CREDENTIAL_HELPER']);
    emit(ctx, args, r, () => `added remote ${r.name} ${r.url}`);
  },
});
