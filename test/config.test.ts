import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, isLoopback, loadConfig } from '../src/config.js';

/** Any existing file passes for a PEM file here: config checks that the files exist, the processes read them. */
const pem = fileURLToPath(import.meta.url);
const rpcTls = { CHORUS_RPC_CA: pem, CHORUS_RPC_CERT: pem, CHORUS_RPC_KEY: pem };

describe('config', () => {
  it('derives every port from PORT so a second deployment needs only PORT and DATA_DIR', () => {
    const config = loadConfig(['cluster'], { PORT: '9080', DATA_DIR: '/tmp/chorus-two' });
    assert.equal(config.port, 9080);
    assert.equal(config.authPort, 9090);
    assert.equal(config.socialPort, 9091);
    assert.deepEqual(config.etcdClientPorts, [9100, 9101, 9102]);
    assert.deepEqual(config.etcdPeerPorts, [9110, 9111, 9112]);
    assert.deepEqual(config.authAddresses, ['127.0.0.1:9090']);
    assert.equal(config.dataDir, '/tmp/chorus-two');
    assert.equal(config.store, 'etcd');
    assert.ok(Object.isFrozen(config));
  });

  it("puts each role's admin listener (/metrics) on loopback at a port derived from PORT, and checks the metrics token", () => {
    const ports = Object.fromEntries(
      (['auth', 'social', 'web', 'all'] as const).map((role) => [role, loadConfig([role], { PORT: '9080' }).adminPort]),
    );
    assert.deepEqual(ports, { auth: 9120, social: 9121, web: 9122, all: 9122 });
    const web = loadConfig(['web'], { HOST: '0.0.0.0', ...rpcTls });
    assert.equal(web.adminHost, '127.0.0.1', 'a public web port does not open the admin listener');
    assert.equal(web.metricsToken, undefined);
    assert.equal(loadConfig(['web'], { CHORUS_ADMIN_PORT: '0' }).adminPort, 0);
    const token = 'f'.repeat(32);
    assert.equal(loadConfig(['web'], { CHORUS_METRICS_TOKEN: token }).metricsToken, token);
    assert.throws(() => loadConfig(['web'], { CHORUS_METRICS_TOKEN: 'short' }), /CHORUS_METRICS_TOKEN must be 32/);
    assert.throws(() => loadConfig(['web'], { CHORUS_METRICS_TOKEN: `${token} x` }), /CHORUS_METRICS_TOKEN/);
    assert.throws(() => loadConfig(['web'], { CHORUS_ADMIN_PORT: '70000' }), /CHORUS_ADMIN_PORT/);
    assert.throws(() => loadConfig(['web'], { CHORUS_ADMIN_HOST: 'not a host' }), /CHORUS_ADMIN_HOST/);
    assert.throws(() => loadConfig(['web'], { PORT: '65500' }), /no room for derived ports/);
  });

  it('schedules backups from CHORUS_BACKUP_EVERY and CHORUS_BACKUP_KEEP, and refuses what is not a sane duration', () => {
    assert.equal(loadConfig(['all'], {}).backups, undefined);
    assert.deepEqual(loadConfig(['all'], { CHORUS_BACKUP_EVERY: '6h' }).backups, { everyMs: 6 * 3_600_000, keep: 14 });
    assert.deepEqual(loadConfig(['cluster'], { CHORUS_BACKUP_EVERY: '30m', CHORUS_BACKUP_KEEP: '3' }).backups, {
      everyMs: 1_800_000,
      keep: 3,
    });
    assert.deepEqual(loadConfig(['all'], { CHORUS_BACKUP_EVERY: '1s', CHORUS_BACKUP_KEEP: '2' }).backups, { everyMs: 1000, keep: 2 });
    for (const every of ['6', '0s', '500ms', '31d', 'often', '-1h']) {
      assert.throws(() => loadConfig(['all'], { CHORUS_BACKUP_EVERY: every }), /CHORUS_BACKUP_EVERY must be a duration from 1s to 30d/);
    }
    assert.throws(() => loadConfig(['all'], { CHORUS_BACKUP_EVERY: '1h', CHORUS_BACKUP_KEEP: '0' }), /CHORUS_BACKUP_KEEP/);
    assert.throws(() => loadConfig(['all'], { CHORUS_BACKUP_KEEP: '5' }), /CHORUS_BACKUP_KEEP.*needs.*CHORUS_BACKUP_EVERY/);
  });

  it('gives etcd deployments a read index age (commit-wait) of 10 ms unless told otherwise, and the embedded store none', () => {
    assert.equal(loadConfig(['social'], {}).readIndexAgeMs, 10);
    assert.equal(loadConfig(['auth'], { CHORUS_READ_INDEX_AGE_MS: '0' }).readIndexAgeMs, 0);
    assert.equal(loadConfig(['cluster'], {}).readIndexAgeMs, 10);
    assert.equal(loadConfig(['social', '--read-index-age-ms', '25'], {}).readIndexAgeMs, 25);
    assert.equal(loadConfig(['all'], { CHORUS_STORE: 'etcd', CHORUS_READ_INDEX_AGE_MS: '5' }).readIndexAgeMs, 5);
    // One process on SQLite: every read already follows every write.
    assert.equal(loadConfig(['all'], {}).readIndexAgeMs, 0);
    assert.equal(loadConfig(['all'], { CHORUS_READ_INDEX_AGE_MS: '20' }).readIndexAgeMs, 0);
    for (const bad of ['-1', '1001', '2.5', 'soon']) {
      assert.throws(
        () => loadConfig(['social'], { CHORUS_READ_INDEX_AGE_MS: bad }),
        /CHORUS_READ_INDEX_AGE_MS must be a whole number from 0 to 1000/,
      );
      assert.throws(() => loadConfig(['all'], { CHORUS_READ_INDEX_AGE_MS: bad }), /CHORUS_READ_INDEX_AGE_MS/);
    }
  });

  it('reports web instances to the status service every 5s unless told otherwise, 1s to 60s', () => {
    assert.equal(loadConfig(['web'], {}).statusReportEveryMs, 5000);
    assert.equal(loadConfig(['web'], { CHORUS_STATUS_REPORT_EVERY: '1s' }).statusReportEveryMs, 1000);
    for (const every of ['0s', '61s', '2m', 'often']) {
      assert.throws(
        () => loadConfig(['web'], { CHORUS_STATUS_REPORT_EVERY: every }),
        /CHORUS_STATUS_REPORT_EVERY must be a duration from 1s to 60s/,
      );
    }
  });

  it('saves the social view under DATA_DIR every 10 minutes unless told otherwise, and refuses a file or a bad schedule', () => {
    assert.deepEqual(loadConfig(['social'], { DATA_DIR: '/tmp/chorus-two' }).viewSnapshots, {
      dir: '/tmp/chorus-two/social-snapshot',
      everyMs: 600_000,
    });
    assert.deepEqual(loadConfig(['all'], { CHORUS_VIEW_SNAPSHOT_DIR: '/tmp/view', CHORUS_VIEW_SNAPSHOT_EVERY: 'off' }).viewSnapshots, {
      dir: '/tmp/view',
      everyMs: undefined,
    });
    assert.equal(loadConfig(['social'], { CHORUS_VIEW_SNAPSHOT_DIR: 'off' }).viewSnapshots, undefined);
    assert.throws(() => loadConfig(['social'], { CHORUS_VIEW_SNAPSHOT_DIR: pem }), /CHORUS_VIEW_SNAPSHOT_DIR must be a directory/);
    for (const bad of ['5s', 'hourly', '10']) {
      assert.throws(() => loadConfig(['social'], { CHORUS_VIEW_SNAPSHOT_EVERY: bad }), /CHORUS_VIEW_SNAPSHOT_EVERY/, bad);
    }
  });

  it('runs `all` on the embedded store in ./data on port 8080 by default', () => {
    const config = loadConfig(['all'], {});
    assert.equal(config.port, 8080);
    assert.equal(config.store, 'embedded');
    assert.match(config.dataDir, /\/data$/);
    assert.deepEqual(config.rateLimits, {
      signUpPerIp: { max: 5, windowSeconds: 1800 },
      logInPerIp: { max: 25, windowSeconds: 300 },
      logInPerAccountAddress: { max: 10, windowSeconds: 900 },
      logInPerAccount: { max: 100, windowSeconds: 3600 },
    });
  });

  it('defragments etcd daily unless told otherwise, and refuses a schedule it cannot read', () => {
    assert.equal(loadConfig(['cluster'], {}).defragEveryMs, 24 * 3600 * 1000);
    assert.equal(loadConfig(['cluster'], { CHORUS_DEFRAG_EVERY: '6h' }).defragEveryMs, 6 * 3600 * 1000);
    assert.equal(loadConfig(['cluster'], { CHORUS_DEFRAG_EVERY: '90s' }).defragEveryMs, 90_000);
    assert.equal(loadConfig(['cluster'], { CHORUS_DEFRAG_EVERY: 'off' }).defragEveryMs, undefined);
    for (const bad of ['0h', '6', 'daily', '-1d', '1.5h']) {
      assert.throws(() => loadConfig(['cluster'], { CHORUS_DEFRAG_EVERY: bad }), /CHORUS_DEFRAG_EVERY must be a duration/, bad);
    }
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig(['web', '--port', '7000', '--auth-addr=10.0.0.1:1,10.0.0.2:2'], { PORT: '9000', ...rpcTls });
    assert.equal(config.port, 7000);
    assert.deepEqual(config.authAddresses, ['10.0.0.1:1', '10.0.0.2:2']);
  });

  it('turns the attempt limits off and reads their numbers', () => {
    assert.deepEqual(loadConfig(['auth'], { CHORUS_RATE_LIMITS: 'off' }).rateLimits, {});
    assert.deepEqual(loadConfig(['auth'], { CHORUS_RATE_LOGIN_PER_IP: '3/60' }).rateLimits.logInPerIp, { max: 3, windowSeconds: 60 });
    const pair = loadConfig(['auth'], { CHORUS_RATE_LOGIN_PER_ACCOUNT_ADDRESS: '4/120' }).rateLimits.logInPerAccountAddress;
    assert.deepEqual(pair, { max: 4, windowSeconds: 120 });
  });

  it('reads the request timeout, the connection caps and the password-hashing limits', () => {
    const defaults = loadConfig(['web'], {});
    assert.equal(defaults.requestTimeoutMs, 30_000);
    assert.equal(defaults.maxConnections, undefined, 'derived from the open-file limit when serving');
    assert.equal(defaults.maxConnectionsPerAddress, 128);
    assert.deepEqual(defaults.passwordHashing, { concurrency: undefined, maxWaitMs: undefined });
    const set = loadConfig(['all'], {
      CHORUS_REQUEST_TIMEOUT_MS: '5000',
      CHORUS_MAX_CONNECTIONS: '900',
      CHORUS_MAX_CONNECTIONS_PER_ADDRESS: '16',
      CHORUS_PASSWORD_HASH_CONCURRENCY: '3',
      CHORUS_PASSWORD_HASH_MAX_WAIT_MS: '500',
    });
    assert.equal(set.requestTimeoutMs, 5000);
    assert.equal(set.maxConnections, 900);
    assert.equal(set.maxConnectionsPerAddress, 16);
    assert.deepEqual(set.passwordHashing, { concurrency: 3, maxWaitMs: 500 });
    assert.throws(() => loadConfig(['web'], { CHORUS_REQUEST_TIMEOUT_MS: '0' }), /CHORUS_REQUEST_TIMEOUT_MS/);
    assert.throws(() => loadConfig(['web'], { CHORUS_MAX_CONNECTIONS_PER_ADDRESS: 'many' }), /CHORUS_MAX_CONNECTIONS_PER_ADDRESS/);
  });

  it('takes etcd client certificates as three files together, with https endpoints', () => {
    const file = new URL(import.meta.url).pathname;
    const tls = { CHORUS_ETCD_CA: file, CHORUS_ETCD_CERT: file, CHORUS_ETCD_KEY: file };
    const https = { CHORUS_ETCD_ENDPOINTS: 'https://127.0.0.1:2379' };
    assert.deepEqual(loadConfig(['social'], { ...tls, ...https }).etcdTls, { ca: file, cert: file, key: file });
    assert.equal(loadConfig(['social'], {}).etcdTls, undefined);
    assert.throws(() => loadConfig(['social'], { CHORUS_ETCD_CA: file, ...https }), /go together/);
    assert.throws(() => loadConfig(['social'], { ...tls, CHORUS_ETCD_KEY: '/no/such/key.pem', ...https }), /CHORUS_ETCD_KEY: no such file/);
    assert.throws(() => loadConfig(['social'], tls), /must be https:\/\/ URLs/);
  });

  it('names the status page administrators as usernames (none by default)', () => {
    assert.deepEqual(loadConfig(['web'], {}).admins, []);
    assert.deepEqual(loadConfig(['web'], { CHORUS_ADMINS: ' Alice, bob ,,alice' }).admins, ['alice', 'bob']);
    assert.equal(loadConfig(['web'], {}).etcdQuotaBytes, 2 * 1024 ** 3);
  });

  it('fails fast, naming the bad variable', () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['all'], { PORT: 'eighty' }, /--port \/ PORT/],
      [['all'], { PORT: '70000' }, /PORT/],
      [['all'], { CHORUS_STORE: 'postgres' }, /CHORUS_STORE/],
      [['web'], { CHORUS_AUTH_ADDR: 'no port here' }, /CHORUS_AUTH_ADDR/],
      [['auth'], { CHORUS_ETCD_ENDPOINTS: 'localhost:2379' }, /CHORUS_ETCD_ENDPOINTS/],
      [['auth'], { CHORUS_RATE_LOGIN_PER_IP: '25 per minute' }, /CHORUS_RATE_LOGIN_PER_IP/],
      [['auth'], { CHORUS_RATE_LIMITS: 'maybe' }, /CHORUS_RATE_LIMITS/],
      [['web'], { CHORUS_TRUSTED_PROXIES: 'proxy.example' }, /CHORUS_TRUSTED_PROXIES/],
      [['cluster'], { CHORUS_ETCD_CLIENT_PORTS: '1,2' }, /CHORUS_ETCD_CLIENT_PORTS/],
      [['web'], { CHORUS_SECURE_COOKIES: 'yes' }, /CHORUS_SECURE_COOKIES/],
      [['web'], { CHORUS_ADMINS: 'alice,bob smith' }, /CHORUS_ADMINS.*"bob smith"/],
      [['web'], { CHORUS_ETCD_QUOTA_BYTES: '2G' }, /CHORUS_ETCD_QUOTA_BYTES/],
      [['dance'], {}, /role/],
      [[], {}, /role/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(
        () => loadConfig(argv, env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        `${argv} ${JSON.stringify(env)}`,
      );
    }
    assert.throws(() => loadConfig(['all', '--no-such-flag', 'x'], {}));
  });

  it('listens on 127.0.0.1 unless HOST says otherwise, and checks HOST', () => {
    assert.equal(loadConfig(['all'], {}).host, '127.0.0.1');
    const container = loadConfig(['all'], { HOST: '0.0.0.0', PORT: '9080' });
    assert.equal(container.host, '0.0.0.0');
    assert.deepEqual(container.authAddresses, ['127.0.0.1:9090']);
    assert.equal(loadConfig(['web'], { HOST: 'chorus-web.internal' }).host, 'chorus-web.internal');
    assert.deepEqual(loadConfig(['all'], { HOST: '::1', PORT: '9080' }).socialAddresses, ['[::1]:9091']);
    for (const bad of ['http://0.0.0.0', '0.0.0.0:8080', 'two words', '-leading-dash']) {
      assert.throws(
        () => loadConfig(['all'], { HOST: bad }),
        (error: Error) => error instanceof ConfigError && /HOST/.test(error.message),
        bad,
      );
    }
  });

  it('keeps the gRPC services on loopback unless they have TLS, and says so at start-up', () => {
    assert.equal(loadConfig(['social'], {}).rpcHost, '127.0.0.1');
    assert.equal(loadConfig(['auth'], { HOST: '::1' }).rpcHost, '::1');
    // `all` lets the web tier listen wider while its gRPC ports stay on loopback.
    const container = loadConfig(['all'], { HOST: '0.0.0.0' });
    assert.equal(container.host, '0.0.0.0');
    assert.equal(container.rpcHost, '127.0.0.1');
    for (const [argv, env] of [
      [['social'], { HOST: '0.0.0.0' }],
      [['auth', '--host', '10.0.0.5'], {}],
      [['auth'], { CHORUS_RPC_HOST: 'auth.internal' }],
      [['all'], { CHORUS_RPC_HOST: '::' }],
    ] as [string[], NodeJS.ProcessEnv][]) {
      assert.throws(
        () => loadConfig(argv, env),
        (e: unknown) => e instanceof ConfigError && /without TLS/.test(e.message) && /CHORUS_RPC_CA/.test(e.message),
        `${argv} ${JSON.stringify(env)}`,
      );
      const config = loadConfig(argv, { ...env, ...rpcTls });
      assert.deepEqual(config.rpcTls, { ca: pem, cert: pem, key: pem });
    }
    assert.equal(loadConfig(['social', '--host', '0.0.0.0', '--rpc-ca', pem, '--rpc-cert', pem, '--rpc-key', pem], {}).rpcHost, '0.0.0.0');
    assert.throws(
      () => loadConfig(['social'], { CHORUS_RPC_CA: pem }),
      /CHORUS_RPC_CA, .*CHORUS_RPC_CERT and .*CHORUS_RPC_KEY go together/,
    );
    assert.throws(() => loadConfig(['social'], { ...rpcTls, CHORUS_RPC_CERT: '/no/such/cert.pem' }), /CHORUS_RPC_CERT: no such file/);
    // A web instance told of a service on another machine needs a certificate to call it.
    assert.throws(() => loadConfig(['web'], { CHORUS_SOCIAL_ADDR: '10.0.0.6:7011' }), /10\.0\.0\.6:7011 is not on loopback.*CHORUS_RPC_CA/);
    assert.deepEqual(loadConfig(['web'], { CHORUS_SOCIAL_ADDR: '10.0.0.6:7011', ...rpcTls }).socialAddresses, ['10.0.0.6:7011']);
    assert.deepEqual(loadConfig(['web'], { HOST: '0.0.0.0', PORT: '9080' }).authAddresses, ['127.0.0.1:9090']);
  });

  it('counts only 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', '::ffff:10.0.0.1', '1.127.0.0']) {
      assert.ok(!isLoopback(host), host);
    }
  });

  it('the program refuses to start a service on 0.0.0.0 without TLS: exit 2 and the reason', () => {
    const main = fileURLToPath(new URL('../src/cmd/main.js', import.meta.url));
    const run = spawnSync(process.execPath, [main, 'social', '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, HOST: '', CHORUS_RPC_CA: '', CHORUS_RPC_CERT: '', CHORUS_RPC_KEY: '' },
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /gRPC services would listen on 0\.0\.0\.0 \(--host \/ HOST\) without TLS/);
  });
});
