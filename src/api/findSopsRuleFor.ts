import * as nodeFs from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { findCreationRule, parseSopsConfig } from '../secrets/sopsConfig.js';
import type { EncryptionRules } from '../secrets/rules.js';

/**
 * The creation rule sops would use for `file`: the nearest `.sops.yaml` in its folder or a
 * parent, matched against the path relative to that folder.
 *
 * @example
 * findSopsRuleFor('/src/app/secrets/db.yaml')?.age
 */
export function findSopsRuleFor(file: string): { age: string[]; rules: EncryptionRules; config: string } | undefined {
  let dir = dirname(resolve(file));
  for (;;) {
    const candidate = join(dir, '.sops.yaml');
    if (nodeFs.existsSync(candidate)) {
      const rule = findCreationRule(parseSopsConfig(nodeFs.readFileSync(candidate, 'utf8')), relative(dir, resolve(file)).split('\\').join('/'));
      return rule ? { age: rule.age, rules: rule.rules, config: candidate } : undefined;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
