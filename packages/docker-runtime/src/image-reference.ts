import { MalformedPayloadError } from '@docker-worker/worker-contract';

/** A Docker image reference split into the parts the Engine API wants. */
export interface ImageReference {
  /** `[registry[:port]/]path`, as given (Docker itself adds `docker.io/library/`). */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, when the reference pins one. */
  digest?: string;
  /** What the task is told it got: the input with `:latest` added when it had no tag or digest. */
  name: string;
  /**
   * What to inspect and pull: `repository@digest` when pinned (the engine cannot look up
   * `repo:tag@digest`, and the digest decides anyway), else `repository:tag`.
   */
  ref: string;
}

// The grammar of github.com/distribution/reference, reduced to what we check before asking the
// engine: a clear message now beats a 400 "invalid reference format" later.
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
/** The engine answers 400 for a longer repository name (registry host included, tag and digest not). */
const NAME_TOTAL_LENGTH_MAX = 255;

/** A long input shortened for a message. */
function truncated(input: string): string {
  return input.length > 80 ? `${input.slice(0, 77)}...` : input;
}

function invalid(input: string, why: string): MalformedPayloadError {
  return new MalformedPayloadError([`payload.image: "${input}" is not a valid Docker image reference: ${why}`]);
}

/** A registry host is recognised the way Docker does: it has a `.` or `:`, or is `localhost`. */
function isDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Parse and normalise an image name; throws MalformedPayloadError when Docker would refuse it. */
export function parseImageReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, `"${digest}" is not a digest (algorithm:hex)`);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port, not a tag.
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  }

  const components = rest.split('/');
  const first = components[0] as string;
  const path = components.length > 1 && isDomain(first) ? components.slice(1) : components;
  if (path !== components) {
    const [host, port, ...extra] = first.split(':');
    const hostOk = (host ?? '').split('.').every((part) => DOMAIN_COMPONENT.test(part));
    if (!hostOk || extra.length > 0 || (port !== undefined && !/^\d+$/.test(port))) {
      throw invalid(input, `"${first}" is not a valid registry host`);
    }
  }
  for (const component of path) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(input, `"${component}" is not a valid repository name component (lowercase letters, digits and . _ - separators)`);
    }
  }

  const repository = rest;
  if (repository.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(truncated(input), `the repository name is ${repository.length} characters long; Docker allows at most ${NAME_TOTAL_LENGTH_MAX}`);
  }
  const name = digest ? input : `${repository}:${tag ?? 'latest'}`;
  const ref = digest ? `${repository}@${digest}` : name;
  return { repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }), name, ref };
}
