/*
 * Demo only: merges labels, annotations and spec fields from
 * catalog/demo-overlay.yaml into the Backstage example entities, so the
 * examples stay byte-for-byte as upstream ships them while the demo still
 * shows every classification level. Enabled by `apiAccessDemo.catalogOverlay`.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CatalogProcessor,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import yaml from 'js-yaml';

interface OverlayEntry {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: JsonObject;
}

export class DemoCatalogOverlayProcessor implements CatalogProcessor {
  constructor(private readonly overlay: Record<string, OverlayEntry>) {}

  static fromFile(path: string) {
    const document = yaml.load(readFileSync(path, 'utf8')) as {
      entities?: Record<string, OverlayEntry>;
    };
    return new DemoCatalogOverlayProcessor(document?.entities ?? {});
  }

  getProcessorName() {
    return 'DemoCatalogOverlayProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    const ref = stringifyEntityRef({
      kind: entity.kind,
      namespace: entity.metadata.namespace ?? 'default',
      name: entity.metadata.name,
    });
    const entry = this.overlay[ref];
    if (!entry) {
      return entity;
    }
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        labels: { ...entity.metadata.labels, ...entry.labels },
        annotations: { ...entity.metadata.annotations, ...entry.annotations },
      },
      spec: { ...entity.spec, ...entry.spec },
    };
  }
}

export const catalogModuleDemoOverlay = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'api-access-demo-overlay',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ catalog, config, logger }) {
        const file = config.getOptionalString('apiAccessDemo.catalogOverlay');
        if (!file) {
          return;
        }
        // Relative to the backend's working directory, like catalog file locations.
        const path = resolve(file);
        catalog.addProcessor(DemoCatalogOverlayProcessor.fromFile(path));
        logger.info(`Demo catalog overlay from ${path}`);
      },
    });
  },
});
