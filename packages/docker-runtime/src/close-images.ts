import { distance } from 'fastest-levenshtein';

/** A registry host, as Docker tells one: it has a `.` or `:`, or is `localhost`. */
function withoutRegistry(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return name;
  const first = name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? name.slice(slash + 1) : name;
}

function repositoryOf(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/**
 * The local image tags a task author may have meant by an image that could not be pulled
 * (`dw-test/busybx` for `dw-test/busybox:latest`): the same repository with another tag, or a
 * name within a typo's distance (a quarter of its length, at least 2), registry hosts aside.
 * Closest first, at most `max`.
 */
export function closeImageNames(wanted: string, localTags: readonly string[], max = 3): string[] {
  const target = withoutRegistry(wanted);
  const limit = Math.max(2, Math.floor(target.length / 4));
  return localTags
    .filter((tag) => tag !== '<none>:<none>' && tag !== wanted)
    .map((tag) => {
      const name = withoutRegistry(tag);
      const sameRepository = repositoryOf(name) === repositoryOf(target);
      return { tag, d: sameRepository ? 0 : distance(name, target) };
    })
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.tag.localeCompare(b.tag))
    .slice(0, max)
    .map(({ tag }) => tag);
}
