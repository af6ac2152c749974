// @ts-check
/*
 * Starts Debian's nginx with the api-access recipe, for the tests and for
 * trying the recipe by hand:
 *
 *   node examples/nginx/gateway.js --listen 8080 --upstream 127.0.0.1:9000 \
 *     --backend 127.0.0.1:7007 --token <static token> --api api:default/petstore \
 *     --read pets:read --write pets:write
 *
 * nginx runs in the foreground in a temporary prefix directory, so it needs
 * no root-owned paths and stops with this process.
 *
 * The rate limit zones are generated from the plans' rate limits: pass the
 * app-config that defines apiAccess.plans (--plans app-config.yaml) and any
 * rate an API's owner tailored (--rate-limit '100;w=1', repeated). --print
 * prints the rendered server config instead of running nginx, for your own
 * nginx (fill in the placeholders with --listen ... as above).
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const NGINX = process.env.NGINX_BINARY || '/usr/sbin/nginx';
const TEMPLATE = path.join(__dirname, 'api-access-gateway.conf.template');
/** Debian's dynamic modules: njs (the key's SHA-256, and purging). */
const MODULES = process.env.NGINX_MODULES_PATH || '/usr/lib/nginx/modules';
const REQUIRED_MODULES = ['ngx_http_js_module.so'];

/**
 * The ladder of rates (requests a minute) for rates the config does not name:
 * 1, 2, 3, 4, 5, 6, 8 a minute, then 10, 12, 15, 20, 25, 30, 40, 50, 60, 80
 * times each power of ten, up to 100,000 a second. From 3 a minute up,
 * neighbours are at most a third apart, so a rate between two rungs is held
 * to at least 75% of itself (never more than itself).
 */
const LADDER_TENTHS = [10, 12, 15, 20, 25, 30, 40, 50, 60, 80];
const LADDER_MAX_PER_MINUTE = 6_000_000;

function ladder() {
  const rungs = new Set();
  for (let decade = 1; decade <= LADDER_MAX_PER_MINUTE; decade *= 10) {
    for (const tenths of LADDER_TENTHS) {
      // Whole requests a minute only: 1.2 and 1.5 a minute are not rates.
      if ((tenths * decade) % 10 !== 0) continue;
      const rung = (tenths * decade) / 10;
      if (rung <= LADDER_MAX_PER_MINUTE) rungs.add(rung);
    }
  }
  return [...rungs].sort((a, b) => a - b);
}

/**
 * `<requests>;w=<seconds>` (as X-Api-Access-Rate-Limit says) or
 * { requests, perSeconds } (as apiAccess.plans says) to { requests, perSeconds }.
 */
function parseRateLimit(value) {
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*;\s*w=(\d+)\s*$/.exec(value);
    if (!m) {
      throw new Error(
        `'${value}' is not a rate limit: expected <requests>;w=<seconds>, e.g. 100;w=1`,
      );
    }
    value = { requests: Number(m[1]), perSeconds: Number(m[2]) };
  }
  const { requests, perSeconds } = value ?? {};
  if (!(Number.isInteger(requests) && requests > 0)) {
    throw new Error(
      `rate limit requests must be a whole number above 0, not ${requests}`,
    );
  }
  if (!(Number.isInteger(perSeconds) && perSeconds > 0)) {
    throw new Error(
      `rate limit perSeconds must be a whole number above 0, not ${perSeconds}`,
    );
  }
  return { requests, perSeconds };
}

/** The rate limits of the plans in an app-config file (apiAccess.plans[].rateLimit). */
function rateLimitsFromAppConfig(file) {
  // The repository's own dependency; only --plans needs it.
  // eslint-disable-next-line global-require
  const { parse } = require('yaml');
  const config = parse(fs.readFileSync(file, 'utf8')) ?? {};
  const plans = config.apiAccess?.plans ?? [];
  return plans.map((plan, i) => {
    try {
      return parseRateLimit(plan.rateLimit);
    } catch (error) {
      throw new Error(
        `${file}: apiAccess.plans[${i}].rateLimit: ${error.message}`,
      );
    }
  });
}

/**
 * The three generated parts of the template: limit_req zones and the maps
 * that key them (http level), the table api-access.js picks a zone from,
 * and the limit_req lines of the limiter's location.
 *
 * Exact zones: rate <requests>/<perSeconds> (in r/s when it divides, else
 * r/m, rounded down: nginx cannot express less than 1 a minute) with a burst
 * of <requests>, so a client may spend a whole window's worth at once and
 * then <requests> per <perSeconds> on average: in any window of <perSeconds>
 * at most 2 x <requests>, as with a counter per fixed window. Ladder zones:
 * the rung's rate with a burst of one second's worth (at least 1).
 *
 * @param {{ name: string, rateLimits?: Array<string | { requests: number, perSeconds: number }>,
 *   zoneSize?: string }} options
 */
function renderRateLimits(options) {
  const name = options.name;
  const zoneSize = options.zoneSize ?? '1m';
  const zones = [];
  const exact = new Set();
  for (const given of options.rateLimits ?? []) {
    const { requests, perSeconds } = parseRateLimit(given);
    const key = `${requests};w=${perSeconds}`;
    if (exact.has(key)) continue;
    exact.add(key);
    const rate =
      requests % perSeconds === 0
        ? `${requests / perSeconds}r/s`
        : `${Math.max(1, Math.floor((requests * 60) / perSeconds))}r/m`;
    zones.push({ match: key, rate, burst: requests - 1, note: key });
  }
  for (const perMinute of ladder()) {
    const rate =
      perMinute % 60 === 0 ? `${perMinute / 60}r/s` : `${perMinute}r/m`;
    zones.push({
      match: `@${perMinute}`,
      rate,
      burst: Math.max(1, Math.floor(perMinute / 60)) - 1,
      note: `ladder, ${perMinute} a minute`,
    });
  }
  const http = [];
  const table = [];
  const limits = [];
  zones.forEach((zone, i) => {
    const key = `$api_access_rate_key_${name}_${i}`;
    http.push(
      `# ${zone.note}`,
      `map $api_access_rate_zone_${name} ${key} {`,
      `    "${i}" $http_x_api_access_grant;`,
      '    default "";',
      '}',
      `limit_req_zone ${key} zone=api_access_rate_${name}_${i}:${zoneSize} rate=${zone.rate};`,
    );
    table.push(`${zone.match}>${i}`);
    limits.push(
      `        limit_req zone=api_access_rate_${name}_${i}${
        zone.burst > 0 ? ` burst=${zone.burst}` : ''
      } nodelay;`,
    );
  });
  return {
    RATE_LIMIT_ZONES: http.join('\n'),
    RATE_LIMIT_TABLE: `    set $api_access_rate_table "${table.join(' ')}";`,
    RATE_LIMITS: limits.join('\n'),
  };
}

/** Replaces every ${NAME} in the template; a placeholder left without a value is an error. */
function renderGatewayConfig(vars) {
  const text = fs.readFileSync(TEMPLATE, 'utf8');
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name) => {
    if (!(name in vars)) {
      throw new Error(`No value for \${${name}} in ${TEMPLATE}`);
    }
    return String(vars[name]);
  });
}

function nginxAvailable() {
  return (
    fs.existsSync(NGINX) &&
    REQUIRED_MODULES.every(m => fs.existsSync(path.join(MODULES, m)))
  );
}

/**
 * `cache: false` turns the decision cache off (for the benchmark's uncached
 * run); api-access can also turn it off for every gateway by answering
 * no-store (apiAccess.gateway.decisionCacheSeconds: 0).
 *
 * @param {{ listen: number, upstream: string, backend: string, token: string,
 *   apiRef: string, readScope: string, writeScope: string, environment?: string,
 *   name?: string, cache?: boolean, cacheDir?: string, workers?: number,
 *   accessLog?: boolean, purgeListen?: number,
 *   rateLimits?: Array<string | { requests: number, perSeconds: number }>,
 *   limitPlanless?: boolean }} options
 *   purgeListen: the port of the purge server (default: any free port;
 *   the returned purgeUrl names it). rateLimits: the plans' rate limits, each
 *   enforced exactly (any other rate by the ladder). limitPlanless: hold
 *   grants without a plan to their rate limit too (default: they pass as
 *   before plans).
 * @returns {Promise<{ url: string, purgeUrl: string, dir: string, stop: () => Promise<void>, errorLog: () => string }>}
 */
async function startGateway(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-access-nginx-'));
  const purgePort = options.purgeListen ?? (await freePort());
  // nginx variable and upstream names: letters, digits and underscores.
  const name = (options.name ?? 'api').replace(/[^A-Za-z0-9_]/g, '_');
  let server = renderGatewayConfig({
    LISTEN: `127.0.0.1:${options.listen}`,
    NAME: name,
    UPSTREAM: options.upstream,
    BACKSTAGE_BACKEND: options.backend,
    GATEWAY_TOKEN: options.token,
    API_REF: options.apiRef,
    READ_SCOPE: options.readScope,
    WRITE_SCOPE: options.writeScope,
    ENVIRONMENT: options.environment ?? '',
    CACHE_PATH: path.join(options.cacheDir ?? dir, 'decisions'),
    NJS_SCRIPT: path.join(__dirname, 'api-access.js'),
    PURGE_LISTEN: `127.0.0.1:${purgePort}`,
    PURGE_ALLOW: '127.0.0.1',
    LIMIT_SOCKET: path.join(dir, 'limits.sock'),
    LIMIT_PLANLESS: options.limitPlanless ? 'limit' : 'direct',
    ...renderRateLimits({ name, rateLimits: options.rateLimits }),
  });
  if (options.cache === false) {
    server = server.replace(/proxy_cache api_access_\w+;/, 'proxy_cache off;');
  }
  const gateway = await runNginx(dir, server, options);
  return {
    ...gateway,
    purgeUrl: `http://127.0.0.1:${purgePort}/_api_access_purge`,
  };
}

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * nginx in the foreground in `dir` with one server block; resolves once it
 * answers on `options.listen`.
 *
 * @param {string} dir
 * @param {string} server
 * @param {{ listen: number, workers?: number, accessLog?: boolean }} options
 */
async function runNginx(dir, server, options) {
  fs.writeFileSync(path.join(dir, 'api-access-gateway.conf'), server);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map(kind => `  ${kind}_temp_path ${path.join(dir, kind)};`)
    .join('\n');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      ...REQUIRED_MODULES.map(m => `load_module ${path.join(MODULES, m)};`),
      'daemon off;',
      `worker_processes ${options.workers ?? 1};`,
      // As root, nginx would switch workers to a user that cannot read a
      // private temp dir; the tests run it as whoever they are.
      ...(process.getuid && process.getuid() === 0 ? ['user root;'] : []),
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      // nginx closes a client connection after 1,000 requests by default;
      // a load generator that has already sent the next one sees a reset.
      '  keepalive_requests 100000;',
      // The rate limit zones' maps add ~70 variables per API: more than
      // nginx's default variables hash holds without a warning.
      '  variables_hash_max_size 4096;',
      options.accessLog === false
        ? '  access_log off;'
        : `  access_log ${path.join(dir, 'access.log')};`,
      temp,
      `  include ${path.join(dir, 'api-access-gateway.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = [
    '-p',
    dir,
    '-e',
    path.join(dir, 'error.log'),
    '-c',
    path.join(dir, 'nginx.conf'),
  ];
  // Fail fast, with nginx's own words, on a bad config.
  try {
    execFileSync(NGINX, [...args, '-t'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `nginx refused the rendered config in ${dir}: ${String(
        error.stderr || error.message,
      ).trim()}`,
    );
  }
  const child = spawn(NGINX, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${options.listen}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url, { method: 'OPTIONS' });
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `nginx did not start: ${fs
            .readFileSync(path.join(dir, 'error.log'), 'utf8')
            .slice(-2000)}`,
        );
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }
  return {
    url,
    dir,
    errorLog: () => fs.readFileSync(path.join(dir, 'error.log'), 'utf8'),
    stop: () =>
      new Promise(resolve => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

/**
 * The same nginx without api-access: a plain reverse proxy to the upstream,
 * for the benchmark's baseline.
 *
 * @param {{ listen: number, upstream: string, workers?: number }} options
 */
async function startPlainProxy(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-access-nginx-'));
  const server = [
    'upstream plain_upstream {',
    `    server ${options.upstream};`,
    '    keepalive 16;',
    '}',
    'server {',
    `    listen 127.0.0.1:${options.listen};`,
    '    location / {',
    '        proxy_pass http://plain_upstream;',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '    }',
    '}',
    '',
  ].join('\n');
  return runNginx(dir, server, { ...options, accessLog: false });
}

module.exports = {
  renderGatewayConfig,
  renderRateLimits,
  rateLimitsFromAppConfig,
  startGateway,
  startPlainProxy,
  nginxAvailable,
};

if (require.main === module) {
  const arg = name => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const args = name =>
    process.argv.flatMap((a, i) =>
      a === `--${name}` && i + 1 < process.argv.length
        ? [process.argv[i + 1]]
        : [],
    );
  const rateLimits = [
    ...args('plans').flatMap(rateLimitsFromAppConfig),
    ...args('rate-limit'),
  ];
  if (process.argv.includes('--print')) {
    // The server config for your own nginx: the placeholders this script
    // fills for its own run are left for you where no flag names them.
    const name = (arg('name') ?? 'api').replace(/[^A-Za-z0-9_]/g, '_');
    const text = fs.readFileSync(TEMPLATE, 'utf8');
    const generated = renderRateLimits({ name, rateLimits });
    const given = {
      NAME: name,
      LISTEN: arg('listen'),
      UPSTREAM: arg('upstream'),
      BACKSTAGE_BACKEND: arg('backend'),
      GATEWAY_TOKEN: arg('token'),
      API_REF: arg('api'),
      READ_SCOPE: arg('read'),
      WRITE_SCOPE: arg('write'),
      ENVIRONMENT: arg('environment'),
      CACHE_PATH: arg('cache-path'),
      NJS_SCRIPT: arg('njs') ?? path.join(__dirname, 'api-access.js'),
      PURGE_LISTEN: arg('purge-listen'),
      PURGE_ALLOW: arg('purge-allow'),
      LIMIT_SOCKET: arg('limit-socket'),
      LIMIT_PLANLESS: process.argv.includes('--limit-planless')
        ? 'limit'
        : 'direct',
      ...generated,
    };
    process.stdout.write(
      text.replace(/\$\{([A-Z_]+)\}/g, (whole, key) =>
        given[key] !== undefined ? String(given[key]) : whole,
      ),
    );
    process.exit(0);
  }
  startGateway({
    rateLimits,
    limitPlanless: process.argv.includes('--limit-planless'),
    listen: Number(arg('listen') ?? 8080),
    upstream: arg('upstream') ?? '127.0.0.1:9000',
    backend: arg('backend') ?? '127.0.0.1:7007',
    token: arg('token') ?? '',
    apiRef: arg('api') ?? 'api:default/petstore',
    readScope: arg('read') ?? 'read',
    writeScope: arg('write') ?? 'write',
    environment: arg('environment'),
  }).then(gateway => {
    console.log(`nginx gateway on ${gateway.url} (config in ${gateway.dir})`);
    process.on('SIGINT', () => gateway.stop().then(() => process.exit(0)));
  });
}
