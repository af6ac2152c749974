// @ts-check
/*
 * Starts Debian's Caddy with the api-access recipe, for the tests and for
 * trying the recipe by hand:
 *
 *   node examples/caddy/gateway.js --listen 8080 --upstream 127.0.0.1:9000 \
 *     --backend 127.0.0.1:7007 --token <static token> --api api:default/petstore \
 *     --read pets:read --write pets:write
 *
 * Caddy runs in the foreground with its admin API off and its config and data
 * directories in a temporary directory, so it needs no root-owned paths and
 * stops with this process.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CADDY = process.env.CADDY_BINARY || '/usr/bin/caddy';
const TEMPLATE = path.join(__dirname, 'api-access.Caddyfile.template');

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

function caddyAvailable() {
  return fs.existsSync(CADDY);
}

/**
 * @param {{ listen: number, upstream: string, backend: string, token: string,
 *   apiRef: string, readScope: string, writeScope: string, environment?: string,
 *   name?: string }} options
 * @returns {Promise<{ url: string, dir: string, stop: () => Promise<void>, errorLog: () => string }>}
 */
async function startGateway(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-access-caddy-'));
  const caddyfile = renderGatewayConfig({
    // No admin endpoint: several gateways run at once, and it would take 2019.
    ADMIN: 'off',
    PORT: options.listen,
    BIND: '127.0.0.1',
    UPSTREAM: options.upstream,
    BACKSTAGE_BACKEND: options.backend,
    GATEWAY_TOKEN: options.token,
    API_REF: options.apiRef,
    READ_SCOPE: options.readScope,
    WRITE_SCOPE: options.writeScope,
    ENVIRONMENT: options.environment ?? '',
    ACCESS_LOG: path.join(dir, 'access.log'),
  });
  fs.writeFileSync(path.join(dir, 'Caddyfile'), caddyfile);
  const env = {
    ...process.env,
    // Caddy keeps autosave.json and its storage under these.
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
  };
  const args = [
    '--config',
    path.join(dir, 'Caddyfile'),
    '--adapter',
    'caddyfile',
  ];
  // Fail fast, with Caddy's own words, on a bad config.
  try {
    execFileSync(CADDY, ['validate', ...args], { stdio: 'pipe', env });
  } catch (error) {
    throw new Error(
      `caddy refused the rendered config in ${dir}: ${String(
        error.stderr || error.message,
      )
        .trim()
        .slice(-2000)}`,
    );
  }
  // Caddy's own log (start, stop, errors) goes to stderr: keep it in a file.
  const errorLogPath = path.join(dir, 'error.log');
  const log = fs.openSync(errorLogPath, 'a');
  const child = spawn(CADDY, ['run', ...args], {
    stdio: ['ignore', log, log],
    env,
  });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${options.listen}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url, { method: 'OPTIONS' });
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `caddy did not start: ${fs
            .readFileSync(errorLogPath, 'utf8')
            .slice(-2000)}`,
        );
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }
  const read = name =>
    fs.existsSync(path.join(dir, name))
      ? fs.readFileSync(path.join(dir, name), 'utf8')
      : '';
  return {
    url,
    dir,
    // Caddy's log and the access log: both must stay free of keys.
    errorLog: () => read('error.log') + read('access.log'),
    stop: () =>
      new Promise(resolve => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

module.exports = { renderGatewayConfig, startGateway, caddyAvailable };

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
    console.log(`caddy gateway on ${gateway.url} (config in ${gateway.dir})`);
    process.on('SIGINT', () => gateway.stop().then(() => process.exit(0)));
  });
}
