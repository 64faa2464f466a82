// A progress bar with an estimate of the time left, on stderr: redrawn in place on a
// terminal, one line per tenth otherwise (so logs of long sweeps still show progress).

export function progressBar(label: string, out: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  const started = Date.now();
  let lastTenth = -1;
  return (done, total) => {
    const frac = total === 0 ? 1 : done / total;
    const elapsed = (Date.now() - started) / 1000;
    const left = done > 0 ? (elapsed * (total - done)) / done : NaN;
    const width = 30;
    const filled = Math.round(frac * width);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${elapsed.toFixed(0)} s` +
      (done < total && Number.isFinite(left) ? `, ~${left.toFixed(0)} s left` : '');
    if (out.isTTY) {
      out.write(`\r${line}${done === total ? '\n' : ''}`);
    } else if (Math.floor(frac * 10) > lastTenth || done === total) {
      lastTenth = Math.floor(frac * 10);
      out.write(`${line}\n`);
    }
  };
}
