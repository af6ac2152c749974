/*
 * Makes the Backstage example catalog load completely on this Backstage
 * release and offline, without editing the example files:
 *
 * - `$text` placeholders: Backstage's resolver fails the whole entity when a
 *   remote read fails (offline, behind a firewall) and cannot read a relative
 *   file next to a `file` location. This resolver reads the same URLs and,
 *   when an http(s) read fails, keeps the API with a note in place of its
 *   definition; relative files are read from the location's own folder only.
 * - MCP server APIs: the examples describe them with `spec.remotes` and no
 *   `spec.definition`, which this release's API validator still requires, so
 *   a definition is written from the remotes.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  CatalogProcessor,
  PlaceholderResolverParams,
  catalogProcessingExtensionPoint,
  processingResult,
} from '@backstage/plugin-catalog-node';
import yaml from 'js-yaml';

async function readSiblingFile(
  value: string,
  baseFile: string,
): Promise<string> {
  const folder = dirname(baseFile);
  const target = resolve(folder, value);
  const inside = relative(folder, target);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new Error(`may only read files inside ${folder}, not ${target}`);
  }
  return readFile(target, 'utf8');
}

export function createTextResolver(warn: (message: string) => void) {
  return async function textResolver(params: PlaceholderResolverParams) {
    if (typeof params.value !== 'string') {
      throw new Error(`Placeholder $${params.key} expected a string value`);
    }
    if (
      isAbsolute(params.baseUrl) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(params.value)
    ) {
      return readSiblingFile(params.value, params.baseUrl).catch(error => {
        throw new Error(
          `Placeholder $${params.key} could not read ${params.value}, ${error}`,
        );
      });
    }
    const url = params.resolveUrl(params.value, params.baseUrl);
    try {
      const content = (await params.read(url)).toString('utf-8');
      params.emit(processingResult.refresh(`url:${url}`));
      return content;
    } catch (error) {
      if (!/^https?:\/\//.test(url)) {
        throw new Error(
          `Placeholder $${params.key} could not read location ${params.value}, ${error}`,
        );
      }
      warn(
        `Definition at ${url} could not be read; keeping the API with a placeholder definition (${error})`,
      );
      return `# The definition of this API lives at ${url}\n# and could not be read when the catalog processed it.\n`;
    }
  };
}

/** Writes `spec.definition` for APIs that only declare `spec.remotes`. */
export class RemotesDefinitionProcessor implements CatalogProcessor {
  getProcessorName() {
    return 'RemotesDefinitionProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    const spec = entity.spec;
    if (
      entity.kind !== 'API' ||
      !spec ||
      spec.definition !== undefined ||
      !Array.isArray(spec.remotes)
    ) {
      return entity;
    }
    return {
      ...entity,
      spec: { ...spec, definition: yaml.dump({ remotes: spec.remotes }) },
    };
  }
}

export const catalogModuleExampleCompat = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'example-compat',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        logger: coreServices.logger,
      },
      async init({ catalog, logger }) {
        catalog.addPlaceholderResolver(
          'text',
          createTextResolver(message => logger.warn(message)),
        );
        catalog.addProcessor(new RemotesDefinitionProcessor());
      },
    });
  },
});
