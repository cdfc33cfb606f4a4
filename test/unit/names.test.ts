import { describe, expect, it } from 'vitest';
import { checkEnvironment, checkNewProjectName, parentEnvironment } from '../../src/records/names.js';
import { classifyPath, instancePath, secretPath } from '../../src/records/layout.js';
import { suggest } from '../../src/util/suggest.js';
import { codeOf } from '../helpers/errorCode.js';

describe('name rules', () => {
  it('environments: <env> or one level of <env>/<developer>, never a folder name of the environment', () => {
    expect(checkEnvironment('dev/alice')).toBe('dev/alice');
    expect(parentEnvironment('dev/alice')).toBe('dev');
    expect(parentEnvironment('dev')).toBeUndefined();
    for (const bad of ['dev/alice/x', 'dev/', '/dev', 'dev/secrets', 'dev/0a', 'dev/Alice', 'Dev', 'dev/..', 'dev/-x', 'dev/a\u0000']) {
      expect(codeOf(() => checkEnvironment(bad)), bad).toBe('INVALID_NAME');
    }
  });

  it('new projects: at least two segments', () => {
    expect(checkNewProjectName('acme/app')).toBe('acme/app');
    expect(codeOf(() => checkNewProjectName('app'))).toBe('INVALID_NAME');
  });

  it('projects: no segment is a folder name of the layout, so a path reads one way (acme/app/pipeline is not the pipeline of acme/app)', () => {
    for (const seg of ['releases', 'channels', 'instances', 'pipeline', 'config', 'flags', 'locations', 'approvals', 'verifications', 'gates']) {
      expect(codeOf(() => checkNewProjectName(`acme/app/${seg}`)), seg).toBe('INVALID_NAME');
      expect(codeOf(() => checkNewProjectName(`acme/${seg}`)), seg).toBe('INVALID_NAME');
    }
    expect(checkNewProjectName('acme/pipelines')).toBe('acme/pipelines');
  });

  it('personal environments have their own places in the layout, read back one way', () => {
    const s = secretPath('dev/alice', 'db', 1, 'yaml');
    expect(s).toBe('envs/dev/alice/secrets/db/00000/0000000001.sops.yaml');
    expect(classifyPath(s)).toEqual({ type: 'secret', env: 'dev/alice', name: 'db', version: 1 });
    // dev's own secret named secrets/db, and alice/db: never read as a personal environment's.
    expect(classifyPath('envs/dev/secrets/secrets/db/00000/0000000001.sops.yaml')).toEqual({ type: 'secret', env: 'dev', name: 'secrets/db', version: 1 });
    expect(classifyPath('envs/dev/secrets/alice/db/00000/0000000001.sops.yaml')).toEqual({ type: 'secret', env: 'dev', name: 'alice/db', version: 1 });
    const when = new Date('2026-03-01T00:00:00Z');
    for (const [env, host] of [['dev/alice', 'h1'], ['dev', 'ab'], ['dev', 'h1']] as const) {
      expect(classifyPath(instancePath('acme/app', env, host, when))).toEqual({ type: 'instance', project: 'acme/app', env, host });
    }
  });

  it('suggests the closest names, whatever their case', () => {
    expect(suggest('stabel', ['stable', 'beta'])).toEqual(['stable']);
    expect(suggest('Stable', ['stable', 'beta'])).toEqual(['stable']);
    expect(suggest('zzz', ['stable', 'beta'])).toEqual([]);
  });
});
