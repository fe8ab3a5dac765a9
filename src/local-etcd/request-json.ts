import http from 'node:http';
import https from 'node:https';

/** A client identity for a TLS connection, PEM. */
export interface ClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * GET (or, with a body, POST) a JSON document over http or https with a
 * client certificate, which the global fetch cannot present. Rejects on a
 * non-2xx status, a timeout or a body that is not JSON.
 */
export function requestJson(url: string, options: { body?: string; tls?: ClientTls; timeoutMs: number }): Promise<unknown> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: options.body === undefined ? 'GET' : 'POST',
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: options.timeoutMs,
        ...(options.tls && target.protocol === 'https:' ? { ...options.tls, agent: false } : {}),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if ((response.statusCode ?? 500) >= 300) return reject(new Error(`${url}: HTTP ${response.statusCode}`));
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
