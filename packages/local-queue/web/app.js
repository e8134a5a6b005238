// The web view's entry point: `#/` lists the tasks, `#/task/<taskId>` shows one. Each view
// returns a function that stops its polling and log following when the reader moves on.

import { showTaskList } from './task-list.js';
import { showTask } from './task-page.js';

const main = document.getElementById('view');
let stopView = () => {};

function route() {
  stopView();
  const match = /^#\/task\/([^/]+)$/.exec(location.hash);
  main.replaceChildren();
  stopView = match ? showTask(main, decodeURIComponent(match[1])) : showTaskList(main);
}

window.addEventListener('hashchange', route);
route();
