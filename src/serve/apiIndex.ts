/** `GET /`: what this server offers, for a person or a client finding its way. */
export const API_INDEX = {
  service: 'boot-meta',
  readme: 'README "meta serve" documents every route, its parameters and errors',
  routes: [
    { method: 'GET', path: '/v1/projects/{project}/channels/{channel}/resolve', query: 'platform=os/arch[&at=][&wait=s][&after=commit]', does: 'what to run: the JSON of meta resolve binary --json' },
    { method: 'GET', path: '/v1/projects/{project}/channels/{channel}/download', query: 'platform=os/arch[&at=][&location=n]', does: "302 to the binary (an http(s) location first; ?location= picks one)" },
    { method: 'GET', path: '/v1/projects/{project}/instances', query: '[env=][&at=]', does: 'the fleet joined with desired state (meta instances --json)' },
    { method: 'GET', path: '/v1/events', query: '[project=][&channel=][&types=a,b.*][&since=commit|beginning]', does: 'Server-Sent Events in commit order' },
    { method: 'POST', path: '/v1/records', auth: 'records', does: 'write a record: kind project|release|binary|promotion|rollback|hold|unhold|yank|event' },
    { method: 'POST', path: '/v1/projects/{project}/instances/{host}/report', auth: 'reports', does: 'append an instance report' },
    { method: 'GET', path: '/v1/projects/{project}/config', query: 'env=e[&channel=c][&at=][&wait=s]', does: 'the merged config (defaults < env < env+channel), secret references by name' },
    { method: 'GET', path: '/v1/projects/{project}/channels/{channel}/flags', query: '[at=][&wait=s]', does: "the channel's flag set as flagd JSON (ETag; flagd's HTTP sync source)" },
    { method: 'POST', path: '/v1/projects/{project}/channels/{channel}/ofrep/v1/evaluate/flags/{key}', does: 'OFREP: evaluate one flag with {"context":{...}}' },
    { method: 'POST', path: '/v1/projects/{project}/channels/{channel}/ofrep/v1/evaluate/flags', does: 'OFREP: evaluate every flag (ETag, If-None-Match → 304)' },
    { method: 'GET', path: '/healthz', does: 'liveness and the served commit' },
    { method: 'GET', path: '/metrics', does: 'Prometheus metrics' },
  ],
  dashboard: null,
} as const;
