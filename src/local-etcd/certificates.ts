/**
 * The local certificate authority of a `chorus cluster`: made once, on
 * first start, with the openssl command line, and kept beside the etcd
 * data. Members use one certificate for serving clients and for talking to
 * each other; each client identity is a certificate whose Common Name is
 * its etcd user name (etcd's --client-cert-auth), so no password exists to
 * leak or rotate.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of one certificate and its private key, PEM. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

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

const VALID_DAYS = '3650';

/**
 * Returns the certificates in `dir`, creating any that are missing.
 * Throws with an install hint when openssl is not on the PATH.
 */
export async function ensureCertificates(dir: string): Promise<ClusterCertificates> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  const files = (name: string): CertificateFiles => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) });
  const certificates: ClusterCertificates = { ca, member: files('member'), root: files('root'), chorus: files('chorus') };
  if (!existsSync(ca)) {
    await openssl([
      'req',
      '-x509',
      '-new',
      '-nodes',
      '-days',
      VALID_DAYS,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-keyout',
      caKey,
      '-out',
      ca,
      '-subj',
      '/CN=chorus local CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  await issue(dir, certificates.member, 'etcd member', [
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    'extendedKeyUsage=serverAuth,clientAuth',
  ]);
  await issue(dir, certificates.root, 'root', ['extendedKeyUsage=clientAuth']);
  await issue(dir, certificates.chorus, 'chorus', ['extendedKeyUsage=clientAuth']);
  return certificates;
}

/** Makes a key and a certificate signed by the CA in `dir`, unless they exist. */
async function issue(dir: string, files: CertificateFiles, commonName: string, extensions: string[]): Promise<void> {
  if (existsSync(files.cert)) return;
  const request = `${files.cert}.csr`;
  const extFile = `${files.cert}.ext`;
  writeFileSync(
    extFile,
    `${['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', ...extensions].join('\n')}\n`,
  );
  await openssl([
    'req',
    '-new',
    '-nodes',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-keyout',
    files.key,
    '-out',
    request,
    '-subj',
    `/CN=${commonName}`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    request,
    '-days',
    VALID_DAYS,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca-key.pem'),
    '-CAcreateserial',
    '-extfile',
    extFile,
    '-out',
    files.cert,
  ]);
  rmSync(request);
  rmSync(extFile);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error('openssl not found on PATH: install it with "apt-get install openssl" to make the cluster\'s certificates');
    }
    throw new Error(`openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`);
  }
}
