import { TaskFileError, type LocalTask } from './task-file.js';

/**
 * The tasks in an order the queue can create them (a task's dependencies exist before it
 * does), or the cycle that makes that impossible: the queue could never schedule any task on it.
 */
export function creationOrder(tasks: readonly LocalTask[]): { ordered: LocalTask[]; problems: string[] } {
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  const ordered: LocalTask[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const problems: string[] = [];
  const visit = (task: LocalTask, path: LocalTask[]): void => {
    const seen = state.get(task.taskId);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(task)), task].map((t) => t.label);
      problems.push(`the tasks depend on each other in a circle, so none of them could ever run: ${cycle.join(' → ')}`);
      return;
    }
    state.set(task.taskId, 'visiting');
    for (const dep of task.definition.dependencies) visit(byId.get(dep)!, [...path, task]);
    state.set(task.taskId, 'done');
    ordered.push(task);
  };
  for (const task of tasks) visit(task, []);
  return { ordered, problems };
}

/** `--task NAME`: that task and everything it depends on, directly or not. */
export function withDependencies(tasks: readonly LocalTask[], label: string): LocalTask[] {
  const chosen = tasks.find((task) => task.label === label);
  if (!chosen) throw new TaskFileError(`no task named ${JSON.stringify(label)} in the file (its tasks: ${tasks.map((t) => t.label).join(', ')})`);
  const byId = new Map(tasks.map((task) => [task.taskId, task]));
  const needed = new Set<string>();
  const add = (task: LocalTask): void => {
    if (needed.has(task.taskId)) return;
    needed.add(task.taskId);
    for (const dep of task.definition.dependencies) add(byId.get(dep)!);
  };
  add(chosen);
  return tasks.filter((task) => needed.has(task.taskId));
}

/** `--list`: one line a task, with what it waits for. */
export function listLines(tasks: readonly LocalTask[]): string[] {
  const labels = new Map(tasks.map((task) => [task.taskId, task.label]));
  return tasks.map((task) => {
    const deps = task.definition.dependencies.map((dep) => labels.get(dep) ?? dep);
    const image = JSON.stringify(task.definition.payload.image ?? null);
    const waits = deps.length > 0 ? `  needs ${deps.join(', ')} (${task.definition.requires})` : '';
    return `${task.label}  image ${image}${waits}`;
  });
}
