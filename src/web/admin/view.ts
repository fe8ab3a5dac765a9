import type { DeploymentStatus, EtcdMemberStatus, InstanceStatus, StoreStatus } from '../../domain/status.js';
import { html, type SafeHtml } from '../views/html.js';
import { type Frame, layout } from '../views/layout.js';
import { lineChart } from './chart.js';
import type { MinuteStats } from './request-stats.js';

export interface AdminView {
  /** Absent when this web process has no way to ask (then the page says so). */
  status?: DeploymentStatus | undefined;
  statusError?: string | undefined;
  requests: MinuteStats[];
  /** When the figures were read, shown so a stale refresh is visible. */
  at: number;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function memberRow(m: EtcdMemberStatus): SafeHtml {
  if (m.error) return html`<tr><th scope="row">${m.endpoint}</th><td colspan="6" class="bad">Not answering: ${m.error}</td></tr>`;
  const size = m.quotaBytes
    ? `${bytes(m.dbSizeBytes)} of ${bytes(m.quotaBytes)} (${Math.round((100 * m.dbSizeBytes) / m.quotaBytes)} %)`
    : bytes(m.dbSizeBytes);
  return html`<tr><th scope="row">${m.endpoint}<br><small>${m.id}</small></th><td>${m.leader ? 'leader' : 'follower'}</td><td>${m.raftTerm}</td><td>${m.raftIndex}</td><td>${size}</td><td${m.alarms.length ? html` class="bad"` : ''}>${m.alarms.length ? m.alarms.join(', ') : 'none'}</td><td>${m.version}</td></tr>`;
}

function storeSection(store: StoreStatus): SafeHtml {
  if (store.engine === 'embedded') {
    return html`<section aria-labelledby="admin-store"><h2 id="admin-store">Store: embedded (SQLite)</h2>
<dl class="admin-facts"><dt>File</dt><dd><code>${store.file}</code></dd><dt>Database size</dt><dd>${bytes(store.fileBytes)}</dd><dt>Write-ahead log</dt><dd>${bytes(store.walBytes)}</dd><dt>Revision</dt><dd>${store.revision}</dd></dl></section>`;
  }
  return html`<section aria-labelledby="admin-store"><h2 id="admin-store">Store: etcd cluster</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="etcd members"><table><caption>Members${store.revision === undefined ? '' : html` at revision ${store.revision}`}</caption>
<thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Raft term</th><th scope="col">Raft index</th><th scope="col">Database size</th><th scope="col">Alarms</th><th scope="col">Version</th></tr></thead>
<tbody>${store.members.map(memberRow)}</tbody></table></div></section>`;
}

function instanceRow(i: InstanceStatus): SafeHtml {
  const state = i.ready ? 'ready' : `${i.late ? 'late' : 'not ready'}${i.error ? `: ${i.error}` : ''}`;
  const rate =
    i.requestsPerMinute === undefined ? '' : `${i.requestsPerMinute}/min${i.errorsPerMinute ? `, ${i.errorsPerMinute} 5xx` : ''}`;
  const up = i.ready || i.late ? duration(i.uptimeSeconds) : '';
  return html`<tr><th scope="row">${i.name}</th><td>${i.address}</td><td${i.ready ? '' : html` class="bad"`}>${state}</td><td>${i.version}</td><td>${up}</td><td>${rate}</td></tr>`;
}

function chartsSection(requests: MinuteStats[]): SafeHtml {
  const ms = (v: number) => (v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
  return html`<section aria-labelledby="admin-requests"><h2 id="admin-requests">Requests to this web instance, last hour</h2>
<div class="charts">
${lineChart({ title: 'Requests per minute', values: requests.map((m) => m.requests), format: (v) => `${v}/min` })}
${lineChart({ title: 'Server errors (5xx) per minute', values: requests.map((m) => m.errors), format: (v) => `${v}/min` })}
${lineChart({ title: 'Median latency (p50)', values: requests.map((m) => m.p50Ms), format: ms })}
${lineChart({ title: '99th percentile latency (p99)', values: requests.map((m) => m.p99Ms), format: ms })}
</div><p class="hint">Counted per minute in this web process's memory; they start again when it restarts.</p></section>`;
}

/** The part that the page script re-fetches and swaps in place. */
export function adminPanel(view: AdminView): SafeHtml {
  const { status } = view;
  return html`<p class="hint">As of <time datetime="${new Date(view.at).toISOString()}">${new Date(view.at).toISOString().replace('T', ' ').slice(0, 19)} UTC</time>.</p>
${status ? storeSection(status.store) : html`<p class="bad">The store's status could not be read${view.statusError ? `: ${view.statusError}` : ''}.</p>`}
${
  status &&
  html`<section aria-labelledby="admin-instances"><h2 id="admin-instances">Services and web instances</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="Processes"><table><caption>Processes</caption><thead><tr><th scope="col">Instance</th><th scope="col">Address</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">Up</th><th scope="col">Requests (last minute)</th></tr></thead>
<tbody>${status.instances.map(instanceRow)}</tbody></table></div>
<p class="hint">Web instances report themselves every few seconds; one that stops reporting is shown as late, then leaves the list.</p>
<p>Read model lag: ${status.readModelLag === undefined ? 'unknown' : `${status.readModelLag} revision${status.readModelLag === 1 ? '' : 's'} behind the store`}</p></section>`
}
${chartsSection(view.requests)}`;
}

export function adminPage(frame: Frame, view: AdminView): string {
  const main = html`<section aria-labelledby="admin-title">
<h1 id="admin-title">Status</h1>
<p><a href="/admin">Refresh</a></p>
<div id="admin-panel" data-admin-refresh="/admin/panel">${adminPanel(view)}</div>
</section>`;
  return layout(frame, 'Status', main);
}
