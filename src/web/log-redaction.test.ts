import assert from 'node:assert/strict';
import { it } from 'node:test';
import { REDACTED, redactUrl } from './log-redaction.js';

it('replaces the values of secret query parameters and nothing else', () => {
  const cases: [string, string][] = [
    ['/home', '/home'],
    ['/home?', '/home?'],
    ['/timeline?max_id=5&limit=20', '/timeline?max_id=5&limit=20'],
    ['/x?_csrf=abc', `/x?_csrf=${REDACTED}`],
    ['/x?access_token=t&stream=user', `/x?access_token=${REDACTED}&stream=user`],
    ['/x?ACCESS_TOKEN=t', `/x?ACCESS_TOKEN=${REDACTED}`],
    ['/x?access%5Ftoken=t', `/x?access%5Ftoken=${REDACTED}`],
    ['/x?access_token[]=t&access_token[]=u', `/x?access_token[]=${REDACTED}&access_token[]=${REDACTED}`],
    ['/x?a[code]=c', `/x?a[code]=${REDACTED}`],
    ['/x?code=c&state=s&client_secret=k', `/x?code=${REDACTED}&state=${REDACTED}&client_secret=${REDACTED}`],
    ['/x?password=p&current_password=q', `/x?password=${REDACTED}&current_password=${REDACTED}`],
    ['/x?codes=1&zipcode=2', '/x?codes=1&zipcode=2'],
    ['/x?%E0%A4%A=1&token', '/x?%E0%A4%A=1&token'],
  ];
  for (const [url, logged] of cases) assert.equal(redactUrl(url), logged, url);
});
