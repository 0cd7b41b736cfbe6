/**
 * A progress bar of our own (no dependency): one line redrawn in place on a terminal; elsewhere (CI,
 * a pipe, a log file) a plain line at every quarter, which reads well in logs.
 */
export function progressBar(label, total, stream = process.stderr) {
  const width = 30;
  const started = Date.now();
  let done = 0;
  let lastQuarter = -1;
  const render = () => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (stream.isTTY) {
      const filled = Math.round(ratio * width);
      stream.write(`\r\x1b[2K  ${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${seconds}s`);
    } else {
      const quarter = Math.floor(ratio * 4);
      if (quarter !== lastQuarter) {
        lastQuarter = quarter;
        stream.write(`  ${label}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${Math.round(ratio * 100)} %, ${seconds}s)\n`);
      }
    }
  };
  render();
  return {
    tick(n = 1) {
      done += n;
      render();
    },
    end() {
      done = total;
      render();
      if (stream.isTTY) stream.write('\n');
    },
  };
}
