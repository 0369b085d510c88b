/** Lays out rows as a plain-text table; cells may hold several lines. */
export function renderTable(header: string[], rows: string[][], maxWidths: number[] = []): string {
  const wrap = (text: string, width: number | undefined): string[] =>
    text.split('\n').flatMap((line) => {
      if (!width || line.length <= width) return [line];
      const parts: string[] = [];
      for (let i = 0; i < line.length; i += width) parts.push(line.slice(i, i + width));
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
