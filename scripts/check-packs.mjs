#!/usr/bin/env node
/*
 * Checks the tarballs `yarn pack` made of the plugin packages (scripts/pack-plugins.sh):
 * what an adopter installs must run from dist/, carry its types, migrations and config
 * schema, and point no entry point at src/. Prints each tarball's files and fails with
 * every problem found.
 *
 *   node scripts/check-packs.mjs <dir with one <folder>.tgz per plugins/<folder>>
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/check-packs.mjs <tarball dir>');
  process.exit(2);
}

const problems = [];
const plugins = readdirSync(join(root, 'plugins'), { withFileTypes: true })
  .filter(
    d =>
      d.isDirectory() &&
      existsSync(join(root, 'plugins', d.name, 'package.json')),
  )
  .map(d => d.name)
  .sort();

for (const folder of plugins) {
  const source = JSON.parse(
    readFileSync(join(root, 'plugins', folder, 'package.json'), 'utf8'),
  );
  const tarball = join(dir, `${folder}.tgz`);
  const fail = message => problems.push(`${source.name}: ${message}`);
  if (!existsSync(tarball)) {
    fail(`no tarball ${tarball}`);
    continue;
  }
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(f => f.replace(/^package\//, ''));
  const has = path => files.includes(path.replace(/^\.\//, ''));
  const pkg = JSON.parse(
    execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], {
      encoding: 'utf8',
    }),
  );

  console.log(`\n${source.name}@${pkg.version} (${files.length} files)`);
  const shown = new Map();
  for (const f of files) {
    const top = f.includes('/') ? `${f.split('/')[0]}/` : f;
    shown.set(top, (shown.get(top) ?? 0) + 1);
  }
  for (const [top, count] of shown) {
    console.log(`  ${top}${top.endsWith('/') ? ` (${count} files)` : ''}`);
  }

  if (pkg.private) fail('packed package.json is private');
  if (!files.some(f => f.startsWith('dist/'))) fail('no dist/ in the tarball');
  if (!files.some(f => /^dist\/.*\.d\.ts$/.test(f)))
    fail('no type declarations (dist/*.d.ts)');
  const stray = files.filter(f =>
    /^src\/|\.test\.|__testUtils__|__fixtures__|^bench\//.test(f),
  );
  if (stray.length)
    fail(`source or test files packed: ${stray.slice(0, 5).join(', ')}`);

  // Every entry point must be a file in the tarball, and none may be under src/.
  const entries = [];
  for (const key of ['main', 'module', 'types', 'typings', 'browser']) {
    if (typeof pkg[key] === 'string') entries.push([key, pkg[key]]);
  }
  const walk = (value, path) => {
    if (typeof value === 'string') {
      if (path !== 'exports.backstage' && !path.endsWith('.backstage'))
        entries.push([path, value]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(pkg.exports, 'exports');
  for (const [name, paths] of Object.entries(pkg.typesVersions?.['*'] ?? {})) {
    for (const p of paths) entries.push([`typesVersions.${name}`, p]);
  }
  for (const [field, path] of entries) {
    if (/^(\.\/)?src\//.test(path)) fail(`${field} points at ${path}`);
    else if (!has(path))
      fail(`${field} points at ${path}, which is not in the tarball`);
  }
  if (!pkg.types || !has(pkg.types)) fail('no "types" entry in the tarball');
  for (const sub of Object.keys(source.exports ?? {}).filter(
    k => k !== '.' && k !== './package.json',
  )) {
    if (!pkg.exports?.[sub]?.types) fail(`exports["${sub}"] has no types`);
  }

  // Dependencies: the workspace protocol means nothing outside this repository.
  for (const field of [
    'dependencies',
    'peerDependencies',
    'optionalDependencies',
  ]) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|link|file|portal):/.test(range))
        fail(`${field}.${name} is ${range}`);
    }
  }

  // Backstage metadata: the plugin's packages find each other through these.
  const meta = pkg.backstage ?? {};
  if (!meta.role || !meta.pluginId)
    fail('backstage.role / backstage.pluginId missing');
  if (
    meta.role === 'backend-plugin-module' ||
    meta.role === 'frontend-plugin-module'
  ) {
    if (!meta.pluginPackage) fail('module without backstage.pluginPackage');
  } else if (!Array.isArray(meta.pluginPackages)) {
    fail('backstage.pluginPackages missing');
  }
  if (
    ['backend-plugin', 'backend-plugin-module'].includes(meta.role) &&
    meta.features?.['.'] !== '@backstage/BackendFeature'
  ) {
    fail(
      'default export not detected as a BackendFeature (backstage.features)',
    );
  }
  if (
    meta.role === 'frontend-plugin' &&
    meta.features?.['./alpha'] !== '@backstage/FrontendPlugin'
  ) {
    fail('./alpha not detected as a FrontendPlugin (backstage.features)');
  }

  // Migrations: every one the backend runs must ship.
  const migrationsDir = join(root, 'plugins', folder, 'migrations');
  if (existsSync(migrationsDir)) {
    for (const m of readdirSync(migrationsDir).filter(f =>
      /\.(js|d\.ts)$/.test(f),
    )) {
      if (!has(`migrations/${m}`)) fail(`migration ${m} missing`);
    }
  }

  // Config schema: prepack compiles config.d.ts into config.schema.json.
  if (source.configSchema) {
    if (!pkg.configSchema || !has(pkg.configSchema)) {
      fail(`configSchema ${pkg.configSchema} is not in the tarball`);
    } else {
      const schema = JSON.parse(
        execFileSync(
          'tar',
          ['xzf', tarball, '-O', `package/${pkg.configSchema}`],
          { encoding: 'utf8' },
        ),
      );
      if (!schema.properties || !Object.keys(schema.properties).length) {
        fail(`${pkg.configSchema} declares no properties`);
      }
    }
  }
  if (!has('README.md')) fail('no README.md');
  if (
    !has('CHANGELOG.md') &&
    existsSync(join(root, 'plugins', folder, 'CHANGELOG.md'))
  ) {
    fail('CHANGELOG.md not packed');
  }
}

if (problems.length) {
  console.error(
    `\n${problems.length} problem(s) in the packed plugins:\n- ${problems.join(
      '\n- ',
    )}`,
  );
  process.exit(1);
}
console.log(`\nAll ${plugins.length} plugin tarballs are publishable.`);
