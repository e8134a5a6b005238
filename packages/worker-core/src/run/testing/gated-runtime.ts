import type { Container, ContainerSpec, ImageContext, ImageSpec, ResolvedImage } from '@docker-worker/worker-contract';
import { FakeContainer, FakeRuntime } from '@docker-worker/worker-contract/testing';
import type { Gate } from './gate.js';

/**
 * FakeRuntime whose image fetch and container creation can be held open by a Gate, so a test
 * can cancel a run while it waits for an image or for the engine to answer a create.
 */
export class GatedRuntime extends FakeRuntime {
  /** Holds `ensureImage` (honouring its abort signal, as a pull does). */
  imageGate: Gate | undefined;
  /** Holds `createContainer` after the container exists, before the call returns (a slow engine). */
  createGate: Gate | undefined;

  override async ensureImage(image: ImageSpec, ctx: ImageContext): Promise<ResolvedImage> {
    await this.imageGate?.wait(ctx.signal);
    return super.ensureImage(image, ctx);
  }

  override async createContainer(spec: ContainerSpec): Promise<Container> {
    const container = await super.createContainer(spec);
    await this.createGate?.wait();
    return container;
  }

  /** The one container a run created, if it got that far. */
  onlyContainer(): FakeContainer | undefined {
    if (this.containers.length > 1) throw new Error(`expected at most one container, got ${this.containers.length}`);
    return this.containers[0];
  }
}
