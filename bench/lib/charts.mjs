/**
 * Charts as SVG, turned into PNG by a headless Chromium (playwright-core driving the system's
 * /usr/bin/chromium; no browser is downloaded). Without a Chromium the SVG itself is kept.
 */
import { existsSync, writeFileSync } from 'node:fs';

const palette = ['#2b6cb0', '#dd6b20', '#718096', '#38a169'];
const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Grouped bars. panels: [{ title, unit, categories: [label], series: [{ name, values: [number|null] }] }].
 */
export function barChartSvg(title, panels, { width = 900, panelHeight = 300 } = {}) {
  const height = 50 + panels.length * (panelHeight + 40);
  let out = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`;
  out += `<rect width="100%" height="100%" fill="white"/><text x="${width / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escape(title)}</text>`;
  panels.forEach((panel, p) => {
    const top = 50 + p * (panelHeight + 40);
    const left = 70;
    const plotW = width - left - 170;
    const plotH = panelHeight - 60;
    const max = Math.max(1e-9, ...panel.series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined)));
    out += `<text x="${left}" y="${top + 14}" font-weight="bold">${escape(panel.title)}</text>`;
    const baseY = top + 30 + plotH;
    out += `<line x1="${left}" y1="${baseY}" x2="${left + plotW}" y2="${baseY}" stroke="#333"/>`;
    const groupW = plotW / panel.categories.length;
    const barW = Math.min(60, (groupW * 0.8) / panel.series.length);
    panel.categories.forEach((category, c) => {
      const groupLeft = left + c * groupW + (groupW - barW * panel.series.length) / 2;
      panel.series.forEach((series, s) => {
        const value = series.values[c];
        const x = groupLeft + s * barW;
        if (value === null || value === undefined) return;
        const h = (value / max) * plotH;
        out += `<rect x="${x}" y="${baseY - h}" width="${barW - 4}" height="${h}" fill="${palette[s % palette.length]}"/>`;
        const label = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
        out += `<text x="${x + (barW - 4) / 2}" y="${baseY - h - 4}" text-anchor="middle" font-size="11">${label}</text>`;
      });
      out += `<text x="${left + c * groupW + groupW / 2}" y="${baseY + 18}" text-anchor="middle">${escape(category)}</text>`;
    });
    out += `<text x="${left - 8}" y="${top + 40}" text-anchor="end" font-size="11">${escape(panel.unit)}</text>`;
    panel.series.forEach((series, s) => {
      out += `<rect x="${left + plotW + 20}" y="${top + 30 + s * 20}" width="12" height="12" fill="${palette[s % palette.length]}"/>`;
      out += `<text x="${left + plotW + 38}" y="${top + 41 + s * 20}">${escape(series.name)}</text>`;
    });
  });
  return `${out}</svg>`;
}

export async function writeChart(svg, pngPath) {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (chromium) {
    try {
      const { chromium: launcher } = await import('playwright-core');
      const browser = await launcher.launch({ executablePath: chromium, args: ['--no-sandbox'], timeout: 30_000 });
      try {
        const page = await browser.newPage();
        await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
        await page.locator('svg').screenshot({ path: pngPath, timeout: 30_000 });
        return pngPath;
      } finally {
        await browser.close();
      }
    } catch (error) {
      process.stderr.write(`Could not render ${pngPath} (${error.message}); keeping the SVG.\n`);
    }
  }
  const svgPath = pngPath.replace(/\.png$/, '.svg');
  writeFileSync(svgPath, svg);
  return svgPath;
}
