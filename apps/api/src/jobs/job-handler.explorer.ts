import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

import { JOB_HANDLER_METADATA, type JobHandlerMetadata } from './job-handler.decorator.js';
import { JobRegistry } from './job-registry.js';

/** Registers every @JobHandler method of every provider of the app. */
@Injectable()
export class JobHandlerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: JobRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const meta = Reflect.getMetadata(JOB_HANDLER_METADATA, fn) as
          JobHandlerMetadata | undefined;
        if (!meta) continue;
        this.registry.register(
          meta.name,
          (payload, job) =>
            (fn as (...args: unknown[]) => Promise<unknown>).call(instance, payload, job),
          meta.options,
        );
      }
    }
  }
}
