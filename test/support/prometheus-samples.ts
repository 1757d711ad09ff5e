// Sums of Prometheus samples read from a service's admin port, by labels: the shared cache's
// tests count the scanner's Scan calls (grpc_server_started_total{grpc_method="Scan"}) and
// the coordinator's hits by tier this way.

/** The sum of the samples in Prometheus text whose labels include every one of `labels` (0 when none). */
export function sumOfSamples(text: string, metric: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`, "gm"))) {
    const sampleLabels = match[1] ?? "";
    if (Object.entries(labels).every(([name, value]) => sampleLabels.includes(`${name}="${value}"`))) sum += Number(match[2]);
  }
  return sum;
}

/** sumOfSamples over a scrape of http://127.0.0.1:`adminPort`/metrics. */
export async function scrapeSum(adminPort: number, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return sumOfSamples(text, metric, labels);
}
