// The web view's requests to the embedded queue: its JSON under /_webview/api/, and the
// actions, which carry the token the server put in this page (see request-guard.ts).

const token = document.querySelector('meta[name="webview-token"]')?.getAttribute('content') ?? '';

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

export async function getJson(path) {
  return answer(await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' }));
}

export const taskPath = (taskId) => `/_webview/api/tasks/${encodeURIComponent(taskId)}`;

/** Where the page downloads an artifact (the server redirects to its bytes). */
export function artifactPath(taskId, runId, name) {
  return `${taskPath(taskId)}/runs/${runId}/artifacts/${encodeURIComponent(name)}`;
}

/** `cancel` or `rerun`: the task's status afterwards. */
export async function act(taskId, action) {
  return answer(await fetch(`${taskPath(taskId)}/${action}`, { method: 'POST', headers: { 'x-webview-token': token } }));
}
