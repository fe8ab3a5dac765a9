/**
 * A certificate authority on this machine, made with the openssl command
 * line: P-256 keys, certificates signed by a CA kept in a directory. Used
 * for the identities of a `chorus cluster` (its etcd members and users,
 * its gRPC services and their callers) and by the tests that run the same
 * deployment.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of one certificate and its private key, PEM. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

const VALID_DAYS = '3650';

/** Where the CA of `dir` keeps its certificate and key. */
export function authorityFiles(dir: string): CertificateFiles {
  return { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem') };
}

/** Makes the CA of `dir` (which must exist) unless its certificate does. */
export async function ensureAuthority(dir: string, commonName: string): Promise<CertificateFiles> {
  const ca = authorityFiles(dir);
  if (existsSync(ca.cert)) return ca;
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
    ca.key,
    '-out',
    ca.cert,
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return ca;
}

/**
 * Makes a key and a certificate signed by the CA of `dir`, unless the
 * certificate exists. `extensions` are openssl extension lines
 * (subjectAltName, extendedKeyUsage).
 */
export async function issueCertificate(dir: string, files: CertificateFiles, commonName: string, extensions: string[]): Promise<void> {
  if (existsSync(files.cert)) return;
  const ca = authorityFiles(dir);
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
    ca.cert,
    '-CAkey',
    ca.key,
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
