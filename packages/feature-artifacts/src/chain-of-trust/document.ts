import type { ResolvedImage, TaskDefinition, UploadedArtifact, WorkerIdentity } from '@docker-worker/worker-contract';

/** `public/chain-of-trust.json`: what ran, where, and the hash of every artifact it produced. */
export interface ChainOfTrustDocument {
  chainOfTrustVersion: 1;
  artifacts: Record<string, { sha256: string }>;
  task: TaskDefinition;
  taskId: string;
  runId: number;
  workerGroup: string;
  workerId: string;
  environment: {
    publicIpAddress?: string;
    privateIpAddress?: string;
    /** The Docker image id the container ran (`sha256:...`). */
    imageHash?: string;
    /** `sha256:<hex>` of the artifact a task-image or indexed-image was loaded from. */
    imageArtifactHash?: string;
    instanceId?: string;
    instanceType?: string;
    region?: string;
  };
}

export interface DocumentInput {
  taskId: string;
  runId: number;
  task: TaskDefinition;
  worker: WorkerIdentity;
  image?: ResolvedImage;
  uploads: readonly UploadedArtifact[];
}

export function chainOfTrustDocument(input: DocumentInput): ChainOfTrustDocument {
  const { worker, image } = input;
  const artifacts: Record<string, { sha256: string }> = {};
  for (const upload of [...input.uploads].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    artifacts[upload.name] = { sha256: upload.sha256 };
  }
  return {
    chainOfTrustVersion: 1,
    artifacts,
    task: input.task,
    taskId: input.taskId,
    runId: input.runId,
    workerGroup: worker.workerGroup,
    workerId: worker.workerId,
    environment: {
      publicIpAddress: worker.publicIp,
      privateIpAddress: worker.privateIp,
      imageHash: image?.id,
      imageArtifactHash: image?.artifactSha256 ? `sha256:${image.artifactSha256}` : undefined,
      instanceId: worker.instanceId,
      instanceType: worker.workerNodeType,
      region: worker.region,
    },
  };
}

/** The exact bytes that are uploaded and signed: 2-space JSON, absent fields left out. */
export function serializeDocument(document: ChainOfTrustDocument): Buffer {
  return Buffer.from(JSON.stringify(document, null, 2));
}
