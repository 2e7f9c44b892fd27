import { parseArgs } from 'node:util';

/** Common benchmark flags: `--backend`, `--out`, plus any script-specific string flags. */
export function benchArgs<const K extends string>(extra: readonly K[]): { backend: string; out: string | undefined } & Partial<Record<K, string>> {
  const options: Record<string, { type: 'string' }> = { backend: { type: 'string' }, out: { type: 'string' } };
  for (const key of extra) options[key] = { type: 'string' };
  const { values } = parseArgs({ options, allowPositionals: false });
  return { ...values, backend: (values.backend as string | undefined) ?? 'sqlite', out: values.out as string | undefined } as never;
}

/** Prints a fixed-width table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
}
