#!/usr/bin/env node
/*
 * One source for the install guide and the install test: runs the shell
 * blocks of docs/install.md that carry an install-test marker, in a
 * scaffolded app, and checks the code blocks the guide tells people to add.
 *
 *   node scripts/install-test/guide.mjs run <appDir> [step]   run a step's blocks (default: setup)
 *   node scripts/install-test/guide.mjs check <appDir>        check the `expect` blocks
 *   node scripts/install-test/guide.mjs list                  print every marked block
 *
 * Markers, on the line right before a fenced block:
 *   <!-- install-test: run [step=<name>] [cwd=<dir in the app>] -->   (a ```sh block, run with bash -euo pipefail)
 *   <!-- install-test: expect file=<file in the app> -->                (every non-comment line must be in that file)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const guidePath = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../docs/install.md',
);

export function blocks(text = readFileSync(guidePath, 'utf8')) {
  const lines = text.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = lines[i].match(/^<!--\s*install-test:\s*(\w+)(.*?)-->\s*$/);
    if (!marker) continue;
    const [, kind, rest] = marker;
    const attrs = Object.fromEntries(
      [...rest.matchAll(/(\w+)=(\S+)/g)].map(m => [m[1], m[2]]),
    );
    // Prettier puts a blank line between the marker and the block.
    let start = i + 1;
    while (lines[start]?.trim() === '') start++;
    const fence = lines[start]?.match(/^(```+)(\w*)\s*$/);
    if (!fence) {
      throw new Error(
        `docs/install.md:${
          i + 1
        }: an install-test marker must be followed by a fenced block`,
      );
    }
    const body = [];
    let j = start + 1;
    for (; j < lines.length && lines[j] !== fence[1]; j++) body.push(lines[j]);
    if (j === lines.length) {
      throw new Error(`docs/install.md:${start + 1}: unclosed fenced block`);
    }
    if (kind === 'run' && !['sh', 'bash', 'shell'].includes(fence[2])) {
      throw new Error(`docs/install.md:${start + 1}: a run block must be sh`);
    }
    if (kind === 'expect' && !attrs.file) {
      throw new Error(`docs/install.md:${i + 1}: expect needs file=`);
    }
    found.push({
      kind,
      step: attrs.step ?? 'setup',
      cwd: attrs.cwd ?? '.',
      file: attrs.file,
      line: start + 1,
      code: body.join('\n'),
    });
    i = j;
  }
  return found;
}

function run(appDir, step) {
  const todo = blocks().filter(b => b.kind === 'run' && b.step === step);
  if (todo.length === 0)
    throw new Error(`no install-test blocks for step ${step}`);
  for (const block of todo) {
    const cwd = resolve(appDir, block.cwd);
    console.log(
      `\n--- docs/install.md:${block.line} (in ${block.cwd}) ---\n${block.code}\n---`,
    );
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', block.code], {
      cwd,
      stdio: 'inherit',
      env: process.env,
    });
    if (result.status !== 0) {
      throw new Error(
        `docs/install.md:${block.line}: the guide's block failed (exit ${result.status})`,
      );
    }
  }
}

function check(appDir) {
  // Whitespace does not count: the file may wrap a line the guide shows whole.
  const squash = text => text.replace(/\s+/g, '');
  const problems = [];
  for (const block of blocks().filter(b => b.kind === 'expect')) {
    const text = squash(readFileSync(resolve(appDir, block.file), 'utf8'));
    const code = block.code
      .split('\n')
      .filter(line => !/^\s*(\/\/|#)/.test(line))
      .join('\n');
    if (!text.includes(squash(code))) {
      problems.push(
        `docs/install.md:${block.line}: ${block.file} does not contain the guide's block:\n${code}`,
      );
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
  console.log("The guide's code blocks are in the app as shown.");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, appDir, step] = process.argv.slice(2);
  try {
    if (command === 'run') run(appDir, step ?? 'setup');
    else if (command === 'check') check(appDir);
    else if (command === 'list') console.log(JSON.stringify(blocks(), null, 2));
    else throw new Error('usage: guide.mjs run|check|list <appDir> [step]');
  } catch (error) {
    console.error(String(error.message ?? error));
    process.exit(1);
  }
}
