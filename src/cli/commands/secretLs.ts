import { defineCommand } from '../command.js';
import { emit, open, short, type GlobalArgs } from '../context.js';

export default defineCommand<GlobalArgs & { target?: string; at?: string }>({
  async run(ctx, args) {
    const repo = await open(ctx, args);
    const { isPersonalEnvironment } = await import('../../api/secretRef.js');
    const { snapshotAt } = await import('../../api/lookup.js');
    // `dev/alice` is a personal environment once declared; otherwise <env>/<name> of a secret.
    const personal = args.target?.split('/').length === 2 && isPersonalEnvironment(snapshotAt(repo, args.at), args.target);
    if (args.target?.includes('/') && !personal) {
      const { secretHistory } = await import('../../api/listSecrets.js');
      const versions = secretHistory(repo, { secret: args.target, at: args.at });
      emit(ctx, args, versions, () => versions.map((v) => `v${v.version}\t${v.time ?? '-'}\t${v.author ?? '-'}\t${short(v.commit)}\t${v.recipients.length} recipient(s)`));
      return;
    }
    const { listSecrets } = await import('../../api/listSecrets.js');
    const list = listSecrets(repo, { env: args.target, at: args.at });
    emit(ctx, args, list, () => list.length === 0
      ? `no secrets${args.target ? ` in ${args.target}` : ''}; add one with \`meta secret set <env>/<name> --file -\``
      : list.map((s) => `${s.env}/${s.name}\tv${s.latest.version}\t${s.versions} version(s)\t${s.latest.time ?? '-'}\t${s.latest.author ?? '-'}`));
  },
});
