/** Lays out rows as a plain-text table; cells may hold several lines. */
export function renderTable(header: string[], rows: string[][], maxWidths: number[] = []): string {
  const wrap = (text: string, width: number | undefined): string[] =>
    text.split('\n').flatMap((line) => {
      if (!width || line.length <= width) return [line];
      const parts: string[] = [];
      let rest = line;
      while (rest.length > width) {
        // Break after a space or colon when one is in the second half of the line, else hard.
        const cut = Math.max(rest.lastIndexOf(' ', width), rest.lastIndexOf(':', width - 1) + 1);
        const at = cut > width / 2 ? cut : width;
        parts.push(rest.slice(0, at).trimEnd());
        rest = rest.slice(at).trimStart();
      }
      parts.push(rest);
      return parts;
    });
  const cells = [header, ...rows].map((row) => row.map((cell, i) => wrap(cell, maxWidths[i])));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => Math.max(...(row[i] ?? ['']).map((l) => l.length)))));
  const out: string[] = [];
  const line = (row: string[][]) => {
    const height = Math.max(...row.map((c) => c.length));
    for (let h = 0; h < height; h++) out.push(row.map((c, i) => (c[h] ?? '').padEnd(widths[i]!)).join('  ').trimEnd());
  };
  line(cells[0]!);
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) line(row);
  return out.join('\n');
}
