/** The value of the first sample of `name` whose labels include `labels`, in Prometheus text. */
export function metricSample(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const line = text
    .split('\n')
    .find((l) =>
      l.startsWith(`${name}{`) || l.startsWith(`${name} `)
        ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))
        : false,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
