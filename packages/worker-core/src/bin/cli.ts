/**
 * The `docker-worker` (or `worker`) command line: run, validate, start, submit. Loaded by worker.ts once V8 is set up.
 * Each action imports its command module when it runs, so the command tree itself loads only commander: shell
 * completion walks it on every Tab, and `--help` / `--version` stay quick too.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addCompletionCommands } from '../completion/completion-commands.js';
import { endOutputQuietlyWhenStdoutCloses } from './closed-stdout.js';
import { EXIT } from './exit-codes.js';

/** Errors that mean "no task ran, and here is why" (exit 3, the message alone); imported only on this error path. */
async function isSetupProblem(err: unknown): Promise<boolean> {
  const [{ ConfigError }, { SetupError }, { TaskFileError }, { RunInputError }, { WorkDirHeldError }] = await Promise.all([
    import('../config/config-error.js'),
    import('./commands/common.js'),
    import('../cli/task-file.js'),
    import('../cli/run-inputs.js'),
    import('../state/host-locks.js'),
  ]);
  return [ConfigError, SetupError, TaskFileError, RunInputError, WorkDirHeldError].some((type) => err instanceof type);
}

function withIdentityFlags(command: Command): Command {
  return command
    .option('--config <file>', 'worker config file (YAML or JSON)')
    .option('--profile <name>', 'profile of the config file to apply over its defaults')
    .option('--capacity <n>', 'tasks run at once')
    .option('--worker-id <id>', 'workerId')
    .option('--worker-group <group>', 'workerGroup')
    .option('--worker-type <type>', 'workerType')
    .option('--provisioner-id <id>', 'provisionerId')
    .option('--worker-node-type <type>', 'workerNodeType (instance type)');
}

/** Repeatable options collect into a list. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

endOutputQuietlyWhenStdoutCloses();

const program = new Command()
  .name('docker-worker')
  .description('docker-worker: runs Taskcluster docker-worker tasks in Docker containers (`docker-worker` and `worker` are the same command)')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

/** A subcommand with `--version` too. */
const command = (name: string): Command => program.command(name).version(VERSION);

withIdentityFlags(
  command('run')
    .description('run a task file (YAML/JSON task definition, bare payload, or `tasks:` list; - reads stdin) on the embedded queue; its log on stdout')
    .argument('<file>', 'task definition, docker-worker payload or file of tasks; - for stdin')
    .option('--artifacts-dir <dir>', 'save the run\'s artifacts under this directory')
    .option('--env <NAME=VALUE>', 'add to payload.env (repeatable; NAME alone takes $NAME)', collect)
    .option('--env-file <file>', 'add a dotenv file to payload.env (repeatable)', collect)
    .option('--secret <NAME=VALUE>', 'as --env, and the value is printed as [masked] in the task log (repeatable)', collect)
    .option('--secret-file <file>', 'as --env-file, every value masked (repeatable)', collect)
    .option('--mount <HOST:CONTAINER[:ro]>', 'bind a host directory into the task\'s container (repeatable)', collect)
    .option('--timestamps', 'prefix each printed log line with the time')
    .option('--json', 'print the result as one JSON object on stdout (the task log goes to stderr)')
    .option('--list', 'a file of tasks: list them and exit')
    .option('--task <name>', 'a file of tasks: run this task and what it depends on')
    .option('--verbose', 'also print the worker\'s own info log (stderr)'),
).action(async (file: string, options) => {
  const { runCommand } = await import('./commands/run-command.js');
  process.exitCode = await runCommand(file, options);
});

command('validate')
  .description('check a task file (task, payload or `tasks:` list; - reads stdin) as `run` would, without Docker: every problem, exit 0 or 1')
  .argument('<file>', 'task definition, docker-worker payload or file of tasks; - for stdin')
  .option('--config <file>', 'worker config file (what the worker allows: privileged, features)')
  .option('--profile <name>', 'config profile')
  .action(async (file: string, options) => {
    const { validateCommand } = await import('./commands/validate-command.js');
    process.exitCode = await validateCommand(file, options);
  });

withIdentityFlags(
  command('start')
    .description('run the worker daemon: on the configured rootUrl, or on an embedded queue when there is none')
    .option('--worker-runner', "speak worker-runner's protocol on stdin/stdout; config from $DOCKER_WORKER_CONFIG"),
).action(async (options) => {
  const { startCommand } = await import('./commands/start-command.js');
  process.exitCode = await startCommand(options);
});

command('submit')
  .description('create a task on the queue a running `worker start` serves')
  .argument('<file>', 'task definition or docker-worker payload')
  .option('--config <file>', 'worker config file (to find workDir or rootUrl)')
  .option('--profile <name>', 'config profile')
  .option('--wait', 'follow the task: its log as it is written (every run), then exit like `worker run`')
  .action(async (file: string, options) => {
    const { submitCommand } = await import('./commands/submit-command.js');
    process.exitCode = await submitCommand(file, options);
  });

const taskCommands = () => import('./commands/task-commands.js');

/** A command about one task on the queue a running `worker start` serves (or the configured rootUrl). */
const taskCommand = (name: string, description: string): Command =>
  command(name)
    .description(description)
    .argument('<taskId>', 'the task')
    .option('--config <file>', 'worker config file (to find workDir or rootUrl)')
    .option('--profile <name>', 'config profile');

taskCommand('status', 'print a task\'s state and runs; exit like `run` once it is resolved').action(async (taskId: string, options) => {
  process.exitCode = await (await taskCommands()).statusCommand(taskId, options);
});
taskCommand('log', 'print the log of a task\'s latest run (or --run N); -f follows it as it is written, every run')
  .option('-f, --follow', 'follow the log until the task is resolved')
  .option('--run <n>', 'that run\'s log')
  .action(async (taskId: string, options) => {
    process.exitCode = await (await taskCommands()).logCommand(taskId, options);
  });
taskCommand('artifacts', 'list the artifacts of a task\'s latest run (or --run N), or download them')
  .option('--run <n>', 'that run\'s artifacts')
  .option('--download <dir>', 'save them under this directory')
  .action(async (taskId: string, options) => {
    process.exitCode = await (await taskCommands()).artifactsCommand(taskId, options);
  });
taskCommand('cancel', 'cancel a task (its run ends exception/canceled)').action(async (taskId: string, options) => {
  process.exitCode = await (await taskCommands()).cancelCommand(taskId, options);
});
taskCommand('rerun', 'run a resolved task again, its retries reset')
  .option('--wait', 'follow the new run\'s log, exit like `run`')
  .action(async (taskId: string, options) => {
    process.exitCode = await (await taskCommands()).rerunCommand(taskId, options);
  });

addCompletionCommands(program, command('completion'));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version are not errors; anything else is a usage problem.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.setup;
  } else if (await isSetupProblem(err)) {
    process.stderr.write(`worker: ${(err as Error).message}\n`);
    process.exitCode = EXIT.setup;
  } else {
    process.stderr.write(`worker: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.setup;
  }
}
