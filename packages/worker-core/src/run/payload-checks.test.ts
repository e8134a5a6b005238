import type { DockerWorkerPayload } from '@docker-worker/schema';
import { MAX_EXEC_STRING_BYTES, MAX_EXEC_TOTAL_BYTES } from './exec-limits.js';
import { payloadValueProblems } from './payload-checks.js';

const base = { image: 'busybox', maxRunTime: 60 };
const problems = (extra: Record<string, unknown>) => payloadValueProblems({ ...base, ...extra } as DockerWorkerPayload);

describe('payloadValueProblems', () => {
  it('accepts an ordinary payload, and env and command right at the limits', () => {
    expect(
      problems({
        command: ['sh', '-c', 'echo hi'],
        env: { PATH_EXTRA: '/opt/bin', COUNT: 3, ON: true, 'dotted.name': 'x' },
        cache: { 'level-3.checkouts': '/builds/worker/checkouts/', other: '/a//b' },
        artifacts: { 'public/build/a..b.txt': { type: 'file', path: '/x' }, 'public/.hidden': { type: 'file', path: '/y' } },
      }),
    ).toEqual([]);
    // One variable of exactly the longest string Linux passes.
    expect(problems({ env: { V: 'v'.repeat(MAX_EXEC_STRING_BYTES - 2) } })).toEqual([]);
    // Seven such variables and one more that fills the total exactly, each string counted with its NUL and 8-byte pointer.
    const env: Record<string, string> = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`V${i}`, 'v'.repeat(MAX_EXEC_STRING_BYTES - 3)]));
    env.V7 = 'v'.repeat(MAX_EXEC_TOTAL_BYTES - 7 * (MAX_EXEC_STRING_BYTES + 9) - 9 - 3);
    expect(problems({ env })).toEqual([]);
    env.V7 += 'v';
    expect(problems({ env })).toEqual([expect.stringMatching(/together they take 1048577 bytes/)]);
  });

  it('checks an env of 50,000 variables whole: none missed, the bad ones named, the total counted', () => {
    // 50,000 short variables fit (each "Knnnnn=v" is 8 bytes, plus its NUL and pointer: 17).
    const env: Record<string, string> = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`K${String(i).padStart(5, '0')}`, 'v']));
    expect(problems({ env })).toEqual([]);
    env['K49999'] = 'bad\u0000';
    env['bad name'] = '\uD800';
    env['a=b'] = 'x';
    expect(problems({ env })).toEqual([
      'payload.env.K49999: the value holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry',
      'payload.env["bad name"]: the value is not valid Unicode: it holds a lone surrogate (U+D800) with no partner',
      'payload.env["a=b"]: an environment variable name cannot contain "=" (the container would get a variable named "a")',
    ]);
    // Longer values: the same 50,000 names take more than the total allows, counted exactly.
    const long = Object.fromEntries(Object.keys(env).slice(0, 50_000).map((k) => [k, 'x'.repeat(20)]));
    expect(problems({ env: long })).toEqual([`payload.env and payload.command: together they take ${50_000 * (6 + 1 + 20 + 1 + 8)} bytes (each string, its NUL and its pointer, as Linux counts them); a task may pass at most 1048576 (1 MiB)`]);
  });

  it('names NUL bytes and lone surrogates wherever they are, names included', () => {
    expect(
      problems({
        env: { GOOD: 'ok', NUL: 'a\u0000b', 'BAD\u0000NAME': 'x', LONE: 'a\uD800b', LOW: '\uDC00', PAIR: '\uD83D\uDE00' },
        command: ['echo', 'a\u0000'],
        image: 'busy\u0000box',
      }),
    ).toEqual([
      'payload.image: the value holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry',
      'payload.env.NUL: the value holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry',
      'payload.env["BAD\\u0000NAME"]: the name holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry',
      'payload.env.LONE: the value is not valid Unicode: it holds a lone surrogate (U+D800) with no partner',
      'payload.env.LOW: the value is not valid Unicode: it holds a lone surrogate (U+DC00) with no partner',
      'payload.command[1]: the value holds a NUL byte (\\u0000), which no environment variable, argument, path or name can carry',
    ]);
  });

  it('refuses env names the engine would refuse or misread', () => {
    expect(problems({ env: { '': 'x', 'A=B': 'c' } })).toEqual([
      'payload.env[""]: an environment variable needs a name',
      'payload.env["A=B"]: an environment variable name cannot contain "=" (the container would get a variable named "A")',
    ]);
  });

  it('refuses strings longer than Linux passes, and too much in all', () => {
    expect(problems({ env: { BIG: 'x'.repeat(10_000_000) }, command: ['echo', 'a'.repeat(5_000_000)] })).toEqual([
      `payload.env.BIG: "NAME=value" is 10000004 bytes; Linux passes at most ${MAX_EXEC_STRING_BYTES} bytes in one variable`,
      `payload.command[1]: the argument is 5000000 bytes; Linux passes at most ${MAX_EXEC_STRING_BYTES} bytes in one argument`,
      `payload.env and payload.command: together they take 15000035 bytes (each string, its NUL and its pointer, as Linux counts them); a task may pass at most ${MAX_EXEC_TOTAL_BYTES} (1 MiB)`,
    ]);
    // UTF-8 bytes, not UTF-16 units, are what the kernel counts.
    expect(problems({ env: { V: 'é'.repeat(70_000) } })[0]).toMatch(/^payload\.env\.V: "NAME=value" is 140002 bytes/);
    // 50,000 small variables: each string is short, but their pointers add up.
    const many = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`V${i}`, 'yyyyyyyyyy']));
    expect(problems({ env: many })).toEqual([expect.stringMatching(/^payload\.env and payload\.command: together they take \d+ bytes/)]);
  });

  it('refuses cache names that name directories, and mount points the engine cannot use', () => {
    expect(
      problems({
        cache: { '..': '/a', '.': '/b', '': '/c', root: '/', rel: 'relative/../x', colon: '/tmp:/hostroot', dots: '/x/../etc', dot: '/x/./y', dup: '/a/' },
      }),
    ).toEqual([
      'payload.cache[".."]: ".." is not a cache name (it names a directory)',
      'payload.cache["."]: "." is not a cache name (it names a directory)',
      'payload.cache[""]: a cache needs a name',
      'payload.cache.root: the mount point "/" cannot be the container\'s root directory',
      'payload.cache.rel: the mount point "relative/../x" must be an absolute path in the container',
      'payload.cache.colon: the mount point "/tmp:/hostroot" cannot contain ":" (the engine would read what follows as another path or as mount options)',
      'payload.cache.dots: the mount point "/x/../etc" cannot contain "." or ".." segments',
      'payload.cache.dot: the mount point "/x/./y" cannot contain "." or ".." segments',
      'payload.cache.dup: the mount point "/a/" is also where payload.cache[".."] is mounted',
    ]);
  });

  it('refuses artifact names with . or .. segments', () => {
    const file = { type: 'file', path: '/x' };
    expect(problems({ artifacts: { 'public/../../escape.txt': file, '..': file, 'public/./x': file, 'public/ok.txt': file } })).toEqual([
      'payload.artifacts["public/../../escape.txt"]: an artifact name cannot have "." or ".." segments (a URL resolves them away, so the upload would go to another name)',
      'payload.artifacts[".."]: an artifact name cannot have "." or ".." segments (a URL resolves them away, so the upload would go to another name)',
      'payload.artifacts["public/./x"]: an artifact name cannot have "." or ".." segments (a URL resolves them away, so the upload would go to another name)',
    ]);
  });
});
