/** The `worker` command line: run, start, submit. Loaded by worker.ts once V8 is set up. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { TaskFileError } from '../cli/task-file.js';
import { endOutputQuietlyWhenStdoutCloses } from './closed-stdout.js';
import { WorkDirHeldError } from '../state/host-locks.js';
import { SetupError } from './commands/common.js';
import { runCommand } from './commands/run-command.js';
import { startCommand } from './commands/start-command.js';
import { submitCommand } from './commands/submit-command.js';
import { EXIT } from './exit-codes.js';

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

endOutputQuietlyWhenStdoutCloses();

const program = new Command()
  .name('worker')
  .description('docker-worker: runs Taskcluster docker-worker tasks in Docker containers')
  .exitOverride()
  .showHelpAfterError();

withIdentityFlags(
  program
    .command('run')
    .description('run one task file (YAML/JSON task definition or bare payload) on the embedded queue and print its log')
    .argument('<file>', 'task definition or docker-worker payload')
    .option('--artifacts-dir <dir>', 'save the run\'s artifacts under this directory')
    .option('--verbose', 'also print the worker\'s own info log (stderr)'),
).action(async (file: string, options) => {
  process.exitCode = await runCommand(file, options);
});

withIdentityFlags(
  program
    .command('start')
    .description('run the worker daemon: on the configured rootUrl, or on an embedded queue when there is none')
    .option('--worker-runner', "speak worker-runner's protocol on stdin/stdout; config from $DOCKER_WORKER_CONFIG"),
).action(async (options) => {
  process.exitCode = await startCommand(options);
});

program
  .command('submit')
  .description('create a task on the queue a running `worker start` serves')
  .argument('<file>', 'task definition or docker-worker payload')
  .option('--config <file>', 'worker config file (to find workDir or rootUrl)')
  .option('--profile <name>', 'config profile')
  .option('--wait', 'wait for the task to resolve, print its log, exit like `worker run`')
  .action(async (file: string, options) => {
    process.exitCode = await submitCommand(file, options);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version are not errors; anything else is a usage problem.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.setup;
  } else if (err instanceof ConfigError || err instanceof SetupError || err instanceof TaskFileError || err instanceof WorkDirHeldError) {
    process.stderr.write(`worker: ${err.message}\n`);
    process.exitCode = EXIT.setup;
  } else {
    process.stderr.write(`worker: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.setup;
  }
}
