import { createRequire } from 'node:module';
import { BarChart as EBarChart, LineChart as ELineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only what the bar and line charts use (a smaller bundle than all of ECharts).
echarts.use([EBarChart, ELineChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);

/**
 * Charts for email, drawn on the server: ECharts renders SVG without a DOM (its SSR mode), resvg
 * turns the SVG into PNG (Gmail and Outlook drop inline SVG; every client shows a PNG attached
 * inline by Content-ID). Text is drawn with DejaVu Sans (it has ₹), shipped as an npm package so a
 * Lambda without system fonts draws the same picture.
 */
const require = createRequire(import.meta.url);
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].flatMap((f) => {
  try {
    return [require.resolve(`dejavu-fonts-ttf/ttf/${f}`)];
  } catch {
    return [];
  }
});

const COLORS = { required: '#c7d2fe', actual: '#4338ca', target: '#d1d5db', achieved: '#059669', short: '#dc2626' };

export interface BarChart {
  title: string;
  categories: string[];
  series: { name: string; values: number[]; color: string }[];
  /** Appended to axis and bar labels, e.g. " %" or "L". */
  unit: string;
  /** A dashed line at this value (e.g. 100 for full coverage), labelled. */
  goal?: number;
  goalLabel?: string;
  /** Bars (default), or lines through the points (a series over time). */
  kind?: 'bar' | 'line';
}

export function barChartSvg(c: BarChart, size = { width: 640, height: 300 }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'DejaVu Sans' },
    title: { text: c.title, left: 8, top: 6, textStyle: { fontSize: 14, fontWeight: 'bold', color: '#111827', fontFamily: 'DejaVu Sans' } },
    legend: { top: 8, right: 8, textStyle: { fontSize: 11, color: '#374151' }, itemWidth: 12, itemHeight: 10 },
    // Many categories: their labels slanted, with room below for them.
    grid: { left: 56, right: 16, top: 48, bottom: c.categories.length > 8 ? 72 : 32 },
    xAxis: { type: 'category', data: c.categories, axisLabel: { fontSize: 11, color: '#374151', interval: 0, rotate: c.categories.length > 8 ? 35 : 0 }, axisTick: { show: false } },
    yAxis: {
      type: 'value',
      // Room for the goal line above the bars.
      ...(c.goal !== undefined && { max: (v: { max: number }) => Math.ceil((Math.max(v.max, c.goal!) * 1.1) / 10) * 10 }),
      axisLabel: { fontSize: 10, color: '#6b7280', formatter: `{value}${c.unit}` },
      splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    series: c.series.map((s, i) => ({
      type: c.kind ?? 'bar',
      name: s.name,
      data: s.values,
      itemStyle: { color: s.color },
      barMaxWidth: 28,
      label: { show: true, position: 'top', fontSize: 9, color: '#374151', formatter: `{c}${c.unit}` },
      // A line at the goal (100 % coverage) on the first series, when the unit is a percentage.
      ...(i === 0 && c.goal !== undefined && { markLine: { silent: true, symbol: 'none', label: { show: true, position: 'insideEndTop', formatter: c.goalLabel ?? '', fontSize: 10, color: '#dc2626' }, lineStyle: { color: '#dc2626', type: 'dashed' }, data: [{ yAxis: c.goal }] } }),
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/**
 * PNG at twice the drawn size, so it stays sharp on high-density screens (the email shows it at
 * `width`). resvg is a native module: loaded on first use, outside the bundle (infra
 * bundleExternals), so a function that never draws does not need it.
 */
export async function svgToPng(svg: string, width: number): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: width * 2 }, background: '#ffffff', font: { fontFiles: FONT_FILES, loadSystemFonts: FONT_FILES.length === 0, defaultFontFamily: 'DejaVu Sans' } });
  return Buffer.from(resvg.render().asPng());
}

export const chartColors = COLORS;
