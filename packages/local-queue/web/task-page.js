// `#/task/<taskId>`: one task, its runs, its artifacts to download, its log (live while it
// runs), and the cancel and rerun buttons. Refreshed every second.

import { act, artifactPath, getJson, taskPath } from './api.js';
import { el, stateBadge, time } from './dom.js';
import { LogView, liveLogName } from './log-view.js';
import { poll } from './poll.js';

const REFRESH_MS = 1000;
const ACTIVE = new Set(['unscheduled', 'pending', 'running']);

function runRow(run) {
  return el(
    'tr',
    {},
    el('td', {}, String(run.runId)),
    el('td', {}, stateBadge(run.state, run.reasonResolved)),
    el('td', {}, run.reasonCreated),
    el('td', { class: 'mono' }, run.workerId ? `${run.workerGroup}/${run.workerId}` : '–'),
    el('td', {}, time(run.scheduled)),
    el('td', {}, time(run.started)),
    el('td', {}, time(run.resolved)),
  );
}

function artifactRow(taskId, artifact) {
  const base = artifact.name.split('/').at(-1);
  const link =
    artifact.storageType === 'error'
      ? el('span', { class: 'error' }, artifact.name)
      : el('a', { href: artifactPath(taskId, artifact.runId, artifact.name), download: base }, artifact.name);
  return el(
    'tr',
    { 'data-artifact': artifact.name },
    el('td', {}, String(artifact.runId)),
    el('td', { class: 'mono' }, link),
    el('td', {}, artifact.contentType),
    el('td', {}, artifact.storageType),
    el('td', {}, time(artifact.expires)),
  );
}

const table = (headings, body) => el('table', {}, el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))), body);

export function showTask(main, taskId) {
  const title = el('h1', {}, taskId);
  const summary = el('p', { class: 'muted' });
  const stateLine = el('p');
  const result = el('span', { id: 'action-result' });
  const refresh = async () => {
    render(await getJson(taskPath(taskId)));
  };
  const action = (name) => async () => {
    result.textContent = '';
    result.className = '';
    try {
      await act(taskId, name);
      result.textContent = name === 'cancel' ? 'Canceled.' : 'Rerun scheduled.';
      await refresh();
    } catch (err) {
      result.textContent = `${name} failed: ${err.message}`;
      result.className = 'error';
    }
  };
  const cancel = el('button', { id: 'cancel', type: 'button', onclick: action('cancel') }, 'Cancel');
  const rerun = el('button', { id: 'rerun', type: 'button', onclick: action('rerun') }, 'Rerun');
  const runs = el('tbody');
  const artifacts = el('tbody', { id: 'artifacts' });
  const logTitle = el('h2', { id: 'log-title' }, 'Log');
  const logStatus = el('p', { id: 'log-status', class: 'muted' });
  const pre = el('pre', { id: 'log' });
  const definition = el('pre');
  const log = new LogView(pre, logStatus);

  main.append(
    el('p', {}, el('a', { href: '#/' }, '← all tasks')),
    title,
    summary,
    stateLine,
    el('div', { class: 'actions' }, cancel, rerun, result),
    el('h2', {}, 'Runs'),
    table(['Run', 'State', 'Created because', 'Worker', 'Scheduled', 'Started', 'Resolved'], runs),
    el('h2', {}, 'Artifacts'),
    table(['Run', 'Name', 'Content type', 'Storage', 'Expires'], artifacts),
    logTitle,
    logStatus,
    pre,
    el('details', {}, el('summary', {}, 'Task definition'), definition),
  );

  function render(task) {
    const run = task.runs.at(-1);
    title.textContent = task.name || task.taskId;
    summary.replaceChildren(el('span', { class: 'mono' }, task.taskId), ` · ${task.taskQueueId} · ${task.description}`);
    stateLine.replaceChildren('State: ', stateBadge(task.state, run?.reasonResolved, 'task-state'), ` · retries left ${task.retriesLeft} · deadline `, time(task.deadline));
    cancel.disabled = !ACTIVE.has(task.state);
    rerun.disabled = task.state === 'pending' || task.state === 'running';
    runs.replaceChildren(...task.runs.map(runRow));
    const shown = [...task.artifacts].sort((a, b) => b.runId - a.runId);
    artifacts.replaceChildren(...(shown.length ? shown.map((a) => artifactRow(task.taskId, a)) : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'None yet.'))]));
    logTitle.textContent = run ? `Log of run ${run.runId}` : 'Log';
    definition.textContent = JSON.stringify(task.definition, null, 2);
    log.update(task.taskId, run, task.artifacts, liveLogName(task.definition));
  }

  const stopPolling = poll(async () => {
    try {
      await refresh();
    } catch (err) {
      stateLine.replaceChildren(el('span', { class: 'error' }, `Cannot load task ${taskId}: ${err.message}`));
    }
  }, REFRESH_MS);
  return () => {
    stopPolling();
    log.stop();
  };
}
