import type { ContenderName } from "../contenders/types.js";
import type { BenchResults } from "../runner.js";

/** One bar: how many times better sockwire did than `peer` on one metric. */
interface Bar {
  peer: ContenderName;
  /** > 1: sockwire better (ratio for "higher is better", its inverse otherwise). */
  advantage: number;
  low: number;
  high: number;
}

interface Group {
  title: string;
  bars: Bar[];
}

const WIDTH = 860;
const LEFT = 250;
const RIGHT = 90;
const BAR = 16;
const GAP = 6;
const GROUP_GAP = 26;
const TOP = 64;
const PEER_COLOURS: Record<ContenderName, string> = {
  sockwire: "#333",
  "sockwire-noresume": "#999",
  "net-raw": "#4e79a7",
  "net-zod": "#76b7b2",
  ws: "#f28e2b",
  socketio: "#e15759",
  zeromq: "#b07aa1",
  grpc: "#59a14f",
};

const xmlText = (text: string): string =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

function groups(results: BenchResults): Group[] {
  const out: Group[] = [];
  for (const scenario of results.scenarios) {
    for (const metric of scenario.metrics.filter((m) => m.headline)) {
      const bars: Bar[] = [];
      for (const [peer, ratios] of Object.entries(scenario.ratios) as [
        ContenderName,
        Record<string, { median: number; min: number; max: number }>,
      ][]) {
        const r = ratios[metric.key];
        if (!r || !(r.median > 0)) continue;
        const flip = metric.better === "lower";
        bars.push({
          peer,
          advantage: flip ? 1 / r.median : r.median,
          low: flip ? 1 / r.max : r.min,
          high: flip ? 1 / r.min : r.max,
        });
      }
      if (bars.length === 0) continue;
      // Name the metric unless the scenario title already does ("One-way throughput").
      const named = scenario.title.toLowerCase().includes(metric.label.toLowerCase());
      const what = named ? metric.unit : `${metric.label}, ${metric.unit}`;
      out.push({ title: `${scenario.title} (${what}, ${metric.better} is better)`, bars });
    }
  }
  return out;
}

/**
 * A horizontal bar chart of sockwire's advantage over each peer, per headline metric, on a log
 * scale centred on 1× (left of the line: the peer did better). Whiskers span the min-max of the
 * paired ratios. Hand-written SVG: no charting dependency, readable in any browser and on GitHub.
 */
export function renderSvg(results: BenchResults): string {
  const all = groups(results);
  const values = all.flatMap((g) => g.bars.flatMap((b) => [b.low, b.high, b.advantage]));
  const maxLog = Math.max(1, Math.ceil(Math.log10(Math.max(...values, 10))));
  const minLog = Math.min(-1, Math.floor(Math.log10(Math.min(...values, 0.1))));
  const plot = WIDTH - LEFT - RIGHT;
  const x = (v: number): number => LEFT + ((Math.log10(v) - minLog) / (maxLog - minLog)) * plot;
  let y = TOP;
  const body: string[] = [];
  for (const group of all) {
    body.push(`<text x="12" y="${y + 12}" class="group">${xmlText(group.title)}</text>`);
    y += 20;
    for (const bar of group.bars) {
      const from = Math.min(x(1), x(bar.advantage));
      const width = Math.max(1, Math.abs(x(bar.advantage) - x(1)));
      const label = `${bar.advantage >= 10 ? bar.advantage.toFixed(1) : bar.advantage.toFixed(2)}×`;
      body.push(
        `<text x="${LEFT - 8}" y="${y + BAR - 4}" text-anchor="end">vs ${xmlText(bar.peer)}</text>`,
        `<rect x="${from.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${PEER_COLOURS[bar.peer]}"${bar.advantage < 1 ? ' fill-opacity="0.45"' : ""}/>`,
        `<line x1="${x(bar.low).toFixed(1)}" x2="${x(bar.high).toFixed(1)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" class="whisker"/>`,
        `<text x="${(Math.max(x(bar.advantage), x(bar.high), x(1)) + 6).toFixed(1)}" y="${y + BAR - 4}">${label}</text>`,
      );
      y += BAR + GAP;
    }
    y += GROUP_GAP - GAP;
  }
  const height = y + 30;
  const ticks: string[] = [];
  for (let p = minLog; p <= maxLog; p++) {
    const v = 10 ** p;
    const tx = x(v).toFixed(1);
    ticks.push(
      `<line x1="${tx}" x2="${tx}" y1="${TOP - 8}" y2="${y - GROUP_GAP + 10}" class="${p === 0 ? "one" : "grid"}"/>`,
      `<text x="${tx}" y="${y - GROUP_GAP + 26}" text-anchor="middle" class="tick">${v >= 1 ? v : v.toFixed(-p)}×</text>`,
    );
  }
  const m = results.machine;
  const subtitle = `${results.date.slice(0, 10)} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.memGiB} GiB${results.quick ? " · quick run" : ""}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    // A title makes the chart readable to screen readers (and is what a README image shows on hover).
    `<title>sockwire compared with each peer, ${xmlText(subtitle)}</title>`,
    "<style>.group{font-weight:600;font-size:13px}.grid{stroke:#ddd}.one{stroke:#222;stroke-width:1.5}.whisker{stroke:#222;stroke-width:1}.tick{fill:#555;font-size:11px}.sub{fill:#555}</style>",
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="700">sockwire vs peers: times better (log scale; right of 1× = sockwire ahead)</text>`,
    `<text x="12" y="40" class="sub">${xmlText(subtitle)} · median of paired repetitions, whiskers min–max</text>`,
    ...ticks,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
