// Object service routes: createUpload, finishUpload, startDownload, object metadata
// and the simple download redirect.

import type { ServiceContext } from '../context.js';
import { NoMatchingMethod } from '../errors.js';
import type { HandlerTable, RequestContext } from '../router.js';
import { DOWNLOAD_URL_LIFETIME_MS } from '../storage/data-urls.js';
import type { CreateUploadRequest, FinishUploadRequest } from './store.js';

/** Both upload calls are scoped by the projectId in their body. */
const projectIdParam = (req: RequestContext) => ({ projectId: (req.body as { projectId: string }).projectId });

export function objectHandlers(ctx: ServiceContext): HandlerTable {
  const { objects, urls } = ctx;

  return {
    'object.ping': { handle: () => ({ status: 200, body: { alive: true, uptime: (Date.now() - ctx.startedAt) / 1000 } }) },

    'object.createUpload': {
      authorize: projectIdParam,
      handle: async (req) => {
        const name = req.params.name!;
        const request = req.body as CreateUploadRequest;
        const uploadMethod = await objects.createUpload(name, request);
        const object = objects.get(name)!;
        return { status: 200, body: { projectId: object.projectId, uploadId: object.uploadId, expires: object.expires, uploadMethod } };
      },
    },

    'object.finishUpload': {
      authorize: projectIdParam,
      handle: (req) => {
        objects.finishUpload(req.params.name!, req.body as FinishUploadRequest);
        return { status: 200, body: {} };
      },
    },

    'object.startDownload': {
      handle: (req) => {
        const name = req.params.name!;
        const object = objects.requireFinished(name);
        const accept = (req.body as { acceptDownloadMethods: Record<string, unknown> }).acceptDownloadMethods;
        const expires = Date.now() + DOWNLOAD_URL_LIFETIME_MS;
        const url = urls.objectGet(name, expires);
        if (accept.getUrl === true) {
          return { status: 200, body: { method: 'getUrl', url, expires: new Date(expires).toJSON(), hashes: object.hashes } };
        }
        if (accept.simple === true) return { status: 200, body: { method: 'simple', url } };
        throw new NoMatchingMethod(`None of the accepted download methods is supported for ${name}`);
      },
    },

    'object.object': {
      handle: (req) => {
        const object = objects.requireFinished(req.params.name!);
        return { status: 200, body: { projectId: object.projectId, expires: object.expires, hashes: object.hashes } };
      },
    },

    'object.download': {
      handle: (req) => {
        const name = req.params.name!;
        objects.requireFinished(name);
        return { status: 303, headers: { location: urls.objectGet(name, Date.now() + DOWNLOAD_URL_LIFETIME_MS) } };
      },
    },
  };
}
