// Log volume per level over time (uPlot stacked bars); click-drag selects a
// time range, which becomes the search range.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { HistogramResult } from "./api";

const LEVEL_COLORS: Record<string, string> = {
  TRACE: "#5c6773",
  DEBUG: "#6c8ebf",
  INFO: "#4fa3a5",
  WARN: "#d6a13a",
  ERROR: "#e0605e",
  FATAL: "#c44bd6",
};

export class HistogramView {
  readonly root: HTMLElement;
  private plot: uPlot | null = null;
  private levels: string[] = [];
  private xRange: [number, number] = [0, 1]; // seconds, from the newest update
  private utc = false;
  private data: uPlot.AlignedData | null = null;

  constructor(private onZoom: (fromMs: number, toMs: number) => void) {
    this.root = document.createElement("div");
    this.root.className = "histogram";
    this.root.dataset.utc = "false";
    new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.root.clientWidth, height: this.root.clientHeight });
    }).observe(this.root);
  }

  update(h: HistogramResult): void {
    const n = h.counts.length;
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push((h.from_ms + i * h.step_ms) / 1000);
    // Each bar covers [start, start + step): the x range ends after the newest bucket,
    // not at its start, or that bucket would be drawn outside the plot.
    this.xRange = [h.from_ms / 1000, (h.from_ms + Math.max(1, n) * h.step_ms) / 1000];
    // Stacked: each series is the running sum from FATAL down to TRACE, drawn back to front.
    const order = h.levels.slice().reverse();
    const stacked: number[][] = [];
    let acc = new Array(n).fill(0) as number[];
    for (const level of order) {
      const li = h.levels.indexOf(level);
      acc = acc.map((v, i) => v + h.counts[i][li]);
      stacked.push(acc.slice());
    }
    // What the chart shows, for tests and for anyone inspecting the page.
    this.root.dataset.total = String(acc.reduce((a, b) => a + b, 0));
    this.root.dataset.fromMs = String(h.from_ms);
    this.root.dataset.stepMs = String(h.step_ms);
    this.root.dataset.buckets = String(n);
    const data = [xs, ...stacked.reverse()] as uPlot.AlignedData;
    this.data = data;
    if (!this.plot || h.levels.join() !== this.levels.join()) {
      this.levels = h.levels;
      this.rebuild();
    } else {
      this.plot.setData(data);
    }
  }

  // The time axis follows the rows: local time or UTC.
  setUtc(utc: boolean): void {
    if (utc === this.utc) return;
    this.utc = utc;
    this.root.dataset.utc = String(utc);
    if (this.plot) this.rebuild();
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = new uPlot(this.options(this.levels), this.data ?? [[]], this.root);
  }

  private options(levels: string[]): uPlot.Options {
    const barWidth = uPlot.paths.bars!({ size: [0.9, 64], align: 1 });
    return {
      width: Math.max(200, this.root.clientWidth),
      height: Math.max(60, this.root.clientHeight || 110),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: () => this.xRange } },
      ...(this.utc ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
      axes: [
        { stroke: "#8a93a0", grid: { stroke: "#232a33", width: 1 }, ticks: { stroke: "#232a33" }, font: "11px system-ui" },
        { stroke: "#8a93a0", grid: { stroke: "#232a33", width: 1 }, ticks: { show: false }, size: 40, font: "11px system-ui" },
      ],
      series: [
        {},
        ...levels.map((l) => ({
          label: l,
          stroke: LEVEL_COLORS[l] ?? "#888",
          fill: (LEVEL_COLORS[l] ?? "#888") + "cc",
          width: 0,
          paths: barWidth,
          points: { show: false },
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            this.root.dataset.xMinMs = String(Math.round((u.scales.x.min ?? 0) * 1000));
            this.root.dataset.xMaxMs = String(Math.round((u.scales.x.max ?? 0) * 1000));
          },
        ],
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 3) return;
            const from = u.posToVal(u.select.left, "x") * 1000;
            const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.onZoom(Math.floor(from), Math.ceil(to));
          },
        ],
      },
    };
  }
}
