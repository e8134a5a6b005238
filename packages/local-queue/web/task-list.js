// `#/`: every task of the embedded queue, newest first, refreshed every two seconds.

import { getJson } from './api.js';
import { el, stateBadge, time } from './dom.js';
import { poll } from './poll.js';

const REFRESH_MS = 2000;

function worker(run) {
  return run?.workerId ? `${run.workerGroup}/${run.workerId}` : '–';
}

function row(task) {
  const latest = task.runs.at(-1);
  return el(
    'tr',
    { 'data-task-id': task.taskId },
    el('td', {}, el('a', { href: `#/task/${encodeURIComponent(task.taskId)}` }, task.name || task.taskId)),
    el('td', { class: 'mono' }, task.taskId),
    el('td', {}, stateBadge(task.state, latest?.reasonResolved)),
    el('td', {}, task.runs.map((run) => el('div', {}, `${run.runId}: `, stateBadge(run.state, run.reasonResolved)))),
    el('td', { class: 'mono' }, worker(latest)),
    el('td', {}, time(task.created)),
    el('td', {}, time(latest?.started)),
    el('td', {}, time(latest?.resolved)),
  );
}

export function showTaskList(main) {
  const body = el('tbody');
  const note = el('p', { class: 'muted' }, 'Loading…');
  const headings = ['Task', 'taskId', 'State', 'Runs', 'Worker', 'Created', 'Started', 'Resolved'];
  main.append(
    el('h1', {}, 'Tasks'),
    note,
    el('table', { id: 'tasks' }, el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))), body),
  );
  return poll(async () => {
    try {
      const { tasks } = await getJson('/_webview/api/tasks');
      body.replaceChildren(...tasks.map(row));
      note.textContent = tasks.length === 0 ? 'No tasks yet: submit one with `docker-worker submit FILE`.' : '';
      note.className = 'muted';
    } catch (err) {
      note.textContent = `Cannot reach the embedded queue: ${err.message}`;
      note.className = 'error';
    }
  }, REFRESH_MS);
}
