// A run's log on the task page. While the run runs, its live log artifact is a reference to
// the worker's live log server, which streams the log from its first byte and follows it; that
// server sends `Access-Control-Allow-Origin: *`, so this page (another origin: another port)
// may read it with fetch. Once the run is over, the live log name is a link to the saved
// (backing) log, read through the web view's download route.

import { artifactPath } from './api.js';

const DEFAULT_LIVE_LOG = 'public/logs/live.log';

/** The live log's artifact name: `payload.log`, or the default. */
export function liveLogName(definition) {
  const name = definition?.payload?.log;
  return typeof name === 'string' && name !== '' ? name : DEFAULT_LIVE_LOG;
}

export class LogView {
  #pre;
  #status;
  /** The run whose log is shown. */
  #runId;
  /** Following the live log: how to stop it. */
  #stream;
  /** The live log of #runId was read to its end (no need to read it again). */
  #streamEnded = false;
  /** The saved log of #runId is shown. */
  #saved = false;

  constructor(pre, status) {
    this.#pre = pre;
    this.#status = status;
  }

  /** Shows what there is of `run`'s log, given the task's artifacts now. */
  update(taskId, run, artifacts, liveName) {
    if (!run) return this.#say('No run yet.');
    if (run.runId !== this.#runId) this.#reset(run.runId);
    if (this.#saved) return;
    const live = artifacts.find((a) => a.runId === run.runId && a.name === liveName);
    if (live?.storageType === 'link') {
      void this.#showSaved(taskId, run.runId, liveName);
    } else if (live?.storageType === 'reference' && run.state === 'running') {
      if (!this.#stream && !this.#streamEnded) void this.#follow(live.url);
    } else if (run.state === 'pending') {
      this.#say('Waiting for a worker to start the run…');
    } else if (run.state !== 'running' && !this.#stream) {
      this.#say(`No saved log for run ${run.runId} (${run.reasonResolved ?? run.state}).`);
    }
  }

  stop() {
    this.#stream?.abort();
    this.#stream = undefined;
  }

  #reset(runId) {
    this.stop();
    this.#runId = runId;
    this.#streamEnded = false;
    this.#saved = false;
    this.#pre.textContent = '';
  }

  #say(text) {
    this.#status.textContent = text;
  }

  #append(text) {
    const atBottom = this.#pre.scrollTop + this.#pre.clientHeight >= this.#pre.scrollHeight - 4;
    this.#pre.append(text);
    if (atBottom) this.#pre.scrollTop = this.#pre.scrollHeight;
  }

  async #follow(url) {
    const runId = this.#runId;
    const controller = new AbortController();
    this.#stream = controller;
    this.#pre.textContent = '';
    this.#say(`Following the live log of run ${runId}…`);
    try {
      const response = await fetch(url, { signal: controller.signal, cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#append(value);
      }
      if (this.#stream === controller) {
        this.#streamEnded = true;
        this.#say(`The live log of run ${runId} has ended; the saved log follows when the worker has uploaded it.`);
      }
    } catch (err) {
      if (!controller.signal.aborted) this.#say(`The live log was interrupted (${err.message}); trying again.`);
    } finally {
      if (this.#stream === controller) this.#stream = undefined;
    }
  }

  async #showSaved(taskId, runId, liveName) {
    this.#saved = true;
    this.stop();
    try {
      const response = await fetch(artifactPath(taskId, runId, liveName), { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
      if (this.#runId !== runId) return;
      this.#pre.textContent = text;
      this.#say(`The saved log of run ${runId}.`);
    } catch (err) {
      this.#saved = false;
      this.#say(`Cannot read the saved log: ${err.message}`);
    }
  }
}
