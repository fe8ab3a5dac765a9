/**
 * The gRPC identities of a `chorus cluster`: a CA of their own (not
 * etcd's, so no RPC certificate is an etcd user and no etcd certificate
 * can call a service), a certificate per service that serves as it and may
 * call the other, and one for the web instances, which only call. Made
 * afresh at every start, and the CA's key is deleted once they are
 * issued: nobody can mint another identity from the data directory, and
 * the names always match the addresses of this run.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { serviceNames } from '../rpc/tls.js';
import { authorityFiles, type CertificateFiles, ensureAuthority, issueCertificate } from './authority.js';

export interface RpcCertificates {
  /** The CA every service and caller trusts. */
  ca: string;
  auth: CertificateFiles;
  social: CertificateFiles;
  /** Client only: a web instance cannot pose as a service. */
  web: CertificateFiles;
}

/**
 * Replaces `dir` with a new CA and certificates. The services' certificates
 * name them (serviceNames) and loopback, plus `hosts` (the address they
 * listen on, when it is a specific one), so grpcurl can check them too.
 */
export async function makeRpcCertificates(dir: string, hosts: string[] = []): Promise<RpcCertificates> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = (name: string): CertificateFiles => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) });
  const { cert: ca } = await ensureAuthority(dir, 'chorus rpc CA');
  const certificates: RpcCertificates = { ca, auth: files('auth'), social: files('social'), web: files('web') };
  const extra = hosts.filter((h) => h !== '0.0.0.0' && h !== '::' && h !== '127.0.0.1' && h !== '::1' && h !== 'localhost');
  const names = (service: string) =>
    [`DNS:${service}`, 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1', ...extra.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`))].join(',');
  for (const service of ['auth', 'social'] as const) {
    await issueCertificate(dir, certificates[service], serviceNames[service], [
      `subjectAltName=${names(serviceNames[service])}`,
      'extendedKeyUsage=serverAuth,clientAuth',
    ]);
  }
  await issueCertificate(dir, certificates.web, 'chorus-web', ['extendedKeyUsage=clientAuth']);
  rmSync(authorityFiles(dir).key);
  rmSync(join(dir, 'ca.srl'), { force: true });
  return certificates;
}
