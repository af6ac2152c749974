/*
 * The frontend's added weight: how much of the demo app's built JavaScript
 * is api-access's (gzipped), and whether it loads only when an api-access
 * card or page is shown.
 *
 *   yarn bench:frontend [--skip-build]
 *
 * It builds packages/app for production (`backstage-cli package build`,
 * which writes source maps beside the chunks), then attributes every byte
 * of every chunk to the source file its source map names, as
 * source-map-explorer does. api-access's own code is what comes from
 * plugins/api-access and plugins/api-access-common. A chunk's gzipped size
 * is split in proportion to those bytes. Chunks named in index.html load at
 * start-up; every other chunk loads on demand.
 *
 * Third-party code that only api-access imports (luxon, say) is in the
 * chunks it uses but not counted as its own: the "chunks with api-access
 * code" line gives their whole size, an upper bound.
 * (`backstage-cli package build --stats` would give the module graph, but
 * writing it took over 15 minutes here and was stopped.)
 */
/* eslint-disable no-restricted-syntax --
 * __dirname is right here: the benchmark runs from source in this repository
 * (node -r nodeTransform) and is never built or published. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
import { fmt } from './harness';

const { values: args } = parseArgs({
  options: { 'skip-build': { type: 'boolean', default: false } },
});

const APP = resolve(__dirname, '../../app');
const DIST = join(APP, 'dist');
const STATIC = join(DIST, 'static');
const GOAL_KB = 150;
const OWN = /plugins\/api-access(-common)?\/src\//;

/** Bytes of the generated file per source, from its source map. */
function bytesBySource(code: string, map: string): Map<string, number> {
  const consumer = new SourceMapConsumer(JSON.parse(map));
  const lines = code.split('\n');
  const bySource = new Map<string, number>();
  const add = (source: string, n: number) =>
    bySource.set(source, (bySource.get(source) ?? 0) + n);
  let line = 0;
  let column = 0;
  let source: string | null = null;
  consumer.eachMapping(m => {
    const lineIndex = m.generatedLine - 1;
    // Close the previous span: to this mapping, or to the end of its line.
    if (lineIndex === line) {
      add(source ?? '(unmapped)', m.generatedColumn - column);
    } else {
      add(source ?? '(unmapped)', (lines[line]?.length ?? 0) - column + 1);
      for (let l = line + 1; l < lineIndex; l++) {
        add('(unmapped)', (lines[l]?.length ?? 0) + 1);
      }
      add('(unmapped)', m.generatedColumn);
    }
    line = lineIndex;
    column = m.generatedColumn;
    source = m.source;
  });
  add(source ?? '(unmapped)', (lines[line]?.length ?? 0) - column);
  for (let l = line + 1; l < lines.length; l++) {
    add('(unmapped)', lines[l].length + 1);
  }
  return bySource;
}

function main() {
  const log = (line = '') => process.stdout.write(`${line}\n`);
  if (!args['skip-build']) {
    log('Building packages/app for production...');
    const started = Date.now();
    const built = spawnSync('yarn', ['backstage-cli', 'package', 'build'], {
      cwd: APP,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (built.status !== 0) throw new Error('The app build failed');
    log(`built in ${fmt((Date.now() - started) / 1000, 0)} s`);
  }
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`No build in ${DIST}: run without --skip-build`);
  }
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const initial = new Set(
    [...html.matchAll(/<script[^>]+src="[^"]*\/static\/([^"]+\.js)"/g)].map(
      m => m[1],
    ),
  );
  if (initial.size === 0) throw new Error('index.html names no script');

  let appInitial = 0;
  let appLazy = 0;
  let ownInitial = 0;
  let ownLazy = 0;
  let withOwnGz = 0;
  let ownSources = new Set<string>();
  const chunks: string[] = [];
  for (const file of readdirSync(STATIC).filter(f => f.endsWith('.js'))) {
    const code = readFileSync(join(STATIC, file), 'utf8');
    const gz = gzipSync(code).length;
    const isInitial = initial.has(file);
    if (isInitial) appInitial += gz;
    else appLazy += gz;
    const mapFile = join(STATIC, `${file}.map`);
    if (!existsSync(mapFile)) continue;
    const bySource = bytesBySource(code, readFileSync(mapFile, 'utf8'));
    let own = 0;
    for (const [source, bytes] of bySource) {
      if (OWN.test(source) && !source.includes('node_modules')) {
        own += bytes;
        ownSources.add(source.replace(/^.*plugins\//, 'plugins/'));
      }
    }
    if (own === 0) continue;
    const share = own / code.length;
    if (isInitial) ownInitial += gz * share;
    else ownLazy += gz * share;
    withOwnGz += gz;
    chunks.push(
      `${file}: ${isInitial ? 'at start-up' : 'on demand'}, ${fmt(
        gz / 1024,
        1,
      )} KB gz, ${fmt(100 * share, 0)}% api-access`,
    );
  }
  ownSources = new Set([...ownSources].sort());
  const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;
  const added = ownInitial + ownLazy;
  log();
  log('api-access frontend weight (gzipped JavaScript of the demo app)');
  log(
    `app:         ${kb(appInitial)} at start-up (${
      initial.size
    } scripts in index.html), ${kb(appLazy)} on demand`,
  );
  log(
    `api-access:  ${ownSources.size} source files; ${kb(
      ownInitial,
    )} of its code at start-up, ${kb(ownLazy)} on demand (${fmt(
      (100 * added) / (appInitial + appLazy),
      1,
    )}% of the app)`,
  );
  log(
    `chunks with api-access code: ${chunks.length}, ${kb(
      withOwnGz,
    )} in all (an upper bound, with the third-party code they carry):`,
  );
  chunks.sort().forEach(line => log(`  ${line}`));
  log(
    `frontend: api-access adds ${kb(added)} gzipped (goal <= ${GOAL_KB} KB: ${
      added <= GOAL_KB * 1024 ? 'met' : 'NOT met'
    }), ${kb(
      ownInitial,
    )} of it loaded before any api-access card or page is shown`,
  );
}

try {
  main();
} catch (error) {
  process.stderr.write(`bench:frontend failed: ${String(error)}\n`);
  process.exit(1);
}
