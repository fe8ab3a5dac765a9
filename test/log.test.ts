import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { eventually } from './helpers/eventually.js';

function capture(isTTY: boolean): { output: PassThrough & { isTTY?: boolean }; text: () => string } {
  const output: PassThrough & { isTTY?: boolean } = new PassThrough();
  output.isTTY = isTTY;
  let text = '';
  output.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { output, text: () => text };
}

describe('log', () => {
  it('writes one JSON object per line when the output is not a terminal', async () => {
    const { output, text } = capture(false);
    createLogger({ logLevel: 'info' }, 'chorus-test', output).info({ port: 8080 }, 'listening');
    await new Promise((resolve) => setImmediate(resolve));
    const record = JSON.parse(text().trim());
    assert.equal(record.msg, 'listening');
    assert.equal(record.name, 'chorus-test');
    assert.equal(record.port, 8080);
  });

  it('writes readable lines to a terminal', async () => {
    const { output, text } = capture(true);
    createLogger({ logLevel: 'info' }, 'chorus-test', output).info({ port: 8080 }, 'listening');
    await eventually(() => text().includes('listening'), { timeoutMs: 1000, intervalMs: 10, what: 'the pretty line' });
    assert.match(text(), /INFO.*listening/);
    assert.match(text(), /port: 8080/);
    assert.doesNotMatch(text(), /^\{/);
  });
});
