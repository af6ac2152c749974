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
 *   accessLog?: boolean, purgeListen?: number }} options
 *   purgeListen: the port of the purge server (default: any free port;
 *   the returned purgeUrl names it)
 * @returns {Promise<{ url: string, purgeUrl: string, dir: string, stop: () => Promise<void>, errorLog: () => string }>}
 */
async function startGateway(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-access-nginx-'));
  const purgePort = options.purgeListen ?? (await freePort());
  let server = renderGatewayConfig({
    LISTEN: `127.0.0.1:${options.listen}`,
    // nginx variable and upstream names: letters, digits and underscores.
    NAME: (options.name ?? 'api').replace(/[^A-Za-z0-9_]/g, '_'),
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
  startGateway,
  startPlainProxy,
  nginxAvailable,
};

if (require.main === module) {
  const arg = name => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  startGateway({
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
