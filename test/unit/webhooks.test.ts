import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { parseWebhooks } from '../../src/webhooks/parseWebhooks.js';
import { deliveryId, signBody, verifySignature } from '../../src/webhooks/deliveryLog.js';
import { hashToken, matchToken, parseServeTokens } from '../../src/serve/serveTokens.js';
import { matchRoute, pathSegments } from '../../src/serve/matchRoute.js';

describe('webhook settings and signatures', () => {
  it('parses subscriptions strictly and keeps secrets out of the repository', () => {
    const hooks = parseWebhooks({ webhooks: [{ name: 'deploys', url: 'https://h.example/x', events: ['channel.*'], projects: ['acme/app'], secret_env: 'HOOK_SECRET', timeout_seconds: 3 }] });
    expect(hooks).toEqual([{ name: 'deploys', url: 'https://h.example/x', events: ['channel.*'], projects: ['acme/app'], secretEnv: 'HOOK_SECRET', timeoutMs: 3000 }]);
    expect(() => parseWebhooks({ webhooks: [{ name: 'a', url: 'https://h/', secret: 'plaintext' }] })).toThrow(/unknown key 'secret'/);
    expect(() => parseWebhooks({ webhooks: [{ name: 'a', url: 'ftp://h/' }] })).toThrow(/http/);
    expect(() => parseWebhooks({ webhooks: [{ name: 'a', url: 'https://h/', events: ['nope'] }] })).toThrow(/unknown event type/);
    expect(() => parseWebhooks({ webhooks: [{ name: 'a', url: 'https://h/' }, { name: 'a', url: 'https://h/' }] })).toThrow(/twice/);
  });

  it('signs like GitHub (sha256=<hmac hex>) and verifies in constant time', () => {
    const body = '{"type":"channel.promoted"}';
    const sig = signBody('s3cret', body);
    expect(sig).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    expect(verifySignature('s3cret', body, sig)).toBe(true);
    expect(verifySignature('s3cret', `${body} `, sig)).toBe(false);
    expect(verifySignature('other', body, sig)).toBe(false);
    expect(verifySignature('s3cret', body, undefined)).toBe(false);
    expect(deliveryId('h', 'c:1')).toBe(deliveryId('h', 'c:1'));
    expect(deliveryId('h', 'c:1')).not.toBe(deliveryId('h', 'c:2'));
  });

  it('matches bearer tokens by sha-256, never by plaintext', () => {
    const tokens = parseServeTokens({ serve: { tokens: [{ name: 'ci', sha256: hashToken('t0k'), scopes: ['records'] }] } });
    expect(matchToken(tokens, 't0k')?.name).toBe('ci');
    expect(matchToken(tokens, hashToken('t0k'))).toBeUndefined();
    expect(() => parseServeTokens({ serve: { tokens: [{ name: 'ci', sha256: 't0k' }] } })).toThrow(/sha256/);
  });

  it('routes project names with slashes, encoded or not, and refuses traversal', () => {
    expect(matchRoute('GET', '/v1/projects/acme%2Fapp/channels/stable/resolve')).toMatchObject({ name: 'resolve', project: 'acme/app', channel: 'stable' });
    expect(matchRoute('GET', '/v1/projects/acme/app/sub/channels/beta/download')).toMatchObject({ name: 'download', project: 'acme/app/sub', channel: 'beta' });
    expect(matchRoute('POST', '/v1/projects/acme/app/instances/web-1/report')).toMatchObject({ name: 'report', project: 'acme/app', host: 'web-1' });
    expect(() => pathSegments('/v1/projects/acme/../x')).toThrow(/'\.\.'/);
    expect(() => pathSegments('/v1/projects/acme%2F..%2Fx')).toThrow(/'\.\.'/);
    expect(() => pathSegments('/v1/projects/%E0%A4%A')).toThrow(/percent-encoding/);
  });
});
