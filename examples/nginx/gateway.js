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
const os = require('node:os');
const path = require('node:path');

const NGINX = process.env.NGINX_BINARY || '/usr/sbin/nginx';
const TEMPLATE = path.join(__dirname, 'api-access-gateway.conf.template');

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
  return fs.existsSync(NGINX);
}

/**
 * @param {{ listen: number, upstream: string, backend: string, token: string,
 *   apiRef: string, readScope: string, writeScope: string, environment?: string,
 *   name?: string }} options
 * @returns {Promise<{ url: string, dir: string, stop: () => Promise<void>, errorLog: () => string }>}
 */
async function startGateway(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-access-nginx-'));
  const server = renderGatewayConfig({
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
  });
  fs.writeFileSync(path.join(dir, 'api-access-gateway.conf'), server);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map(kind => `  ${kind}_temp_path ${path.join(dir, kind)};`)
    .join('\n');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      // As root, nginx would switch workers to a user that cannot read a
      // private temp dir; the tests run it as whoever they are.
      ...(process.getuid && process.getuid() === 0 ? ['user root;'] : []),
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${path.join(dir, 'access.log')};`,
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

module.exports = { renderGatewayConfig, startGateway, nginxAvailable };

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
