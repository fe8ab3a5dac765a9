/**
 * The local certificate authority of a `chorus cluster`'s etcd: made once,
 * on first start, and kept beside the etcd data. Members use one
 * certificate for serving clients and for talking to each other; each
 * client identity is a certificate whose Common Name is its etcd user name
 * (etcd's --client-cert-auth), so no password exists to leak or rotate.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CertificateFiles, ensureAuthority, issueCertificate } from '../local-tls/authority.js';

export interface ClusterCertificates {
  /** The CA every member and client trusts. */
  ca: string;
  /** Serves clients and peers on loopback. */
  member: CertificateFiles;
  /** etcd's `root` user: sets up users and roles. */
  root: CertificateFiles;
  /** The `chorus` user: read-write under Chorus's key prefix only. */
  chorus: CertificateFiles;
}

/**
 * Returns the certificates in `dir`, creating any that are missing.
 * Throws with an install hint when openssl is not on the PATH.
 */
export async function ensureCertificates(dir: string): Promise<ClusterCertificates> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = (name: string): CertificateFiles => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) });
  const { cert: ca } = await ensureAuthority(dir, 'chorus local CA');
  const certificates: ClusterCertificates = { ca, member: files('member'), root: files('root'), chorus: files('chorus') };
  await issueCertificate(dir, certificates.member, 'etcd member', [
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    'extendedKeyUsage=serverAuth,clientAuth',
  ]);
  await issueCertificate(dir, certificates.root, 'root', ['extendedKeyUsage=clientAuth']);
  await issueCertificate(dir, certificates.chorus, 'chorus', ['extendedKeyUsage=clientAuth']);
  return certificates;
}
