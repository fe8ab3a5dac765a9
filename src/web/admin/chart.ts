import { html, type SafeHtml } from '../views/html.js';

const WIDTH = 300;
const HEIGHT = 80;
const PAD = 4;

export interface ChartSpec {
  /** The chart's accessible name, e.g. "Requests per minute". */
  title: string;
  /** One value per minute, oldest first; undefined leaves a gap (no requests that minute). */
  values: (number | undefined)[];
  /** How a value is written: "12 req/min", "3.1 ms". */
  format: (value: number) => string;
}

/**
 * A small line chart drawn on the server, so it needs no script and no
 * chart library. The SVG is an image with a name and a one-line summary
 * (latest and highest value) for people who cannot see it; the numbers
 * matter more than the line.
 */
export function lineChart(spec: ChartSpec): SafeHtml {
  const known = spec.values.filter((v): v is number => v !== undefined);
  const max = Math.max(0, ...known);
  const latest = spec.values.at(-1);
  const summary = `latest ${latest === undefined ? 'none' : spec.format(latest)}, highest ${known.length === 0 ? 'none' : spec.format(max)} in the last hour`;
  const step = (WIDTH - 2 * PAD) / Math.max(1, spec.values.length - 1);
  const y = (v: number) => (HEIGHT - PAD - (max === 0 ? 0 : (v / max) * (HEIGHT - 2 * PAD))).toFixed(1);
  // Runs of known values become one polyline each; a missing minute breaks the line.
  const runs: string[][] = [];
  let run: string[] = [];
  spec.values.forEach((v, i) => {
    if (v === undefined) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    run.push(`${(PAD + i * step).toFixed(1)},${y(v)}`);
  });
  if (run.length) runs.push(run);
  const lines = runs.map((points) =>
    points.length === 1
      ? html`<circle cx="${points[0]!.split(',')[0]}" cy="${points[0]!.split(',')[1]}" r="1.5" class="chart-line-dot"/>`
      : html`<polyline points="${points.join(' ')}" class="chart-line"/>`,
  );
  return html`<figure class="chart">
<figcaption><strong>${spec.title}</strong>: ${summary}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${spec.title}: ${summary}" xmlns="http://www.w3.org/2000/svg">
<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" class="chart-axis"/>
${lines}
</svg>
</figure>`;
}
