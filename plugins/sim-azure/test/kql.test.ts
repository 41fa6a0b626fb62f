import { KqlError, parseKql, runKql } from '../src/logs/kql';
import type { LogRow } from '../src/logs/store';

/** The KQL subset the Log Analytics endpoint answers, on rows as Container Apps write them. */
const rows: LogRow[] = [
  { TimeGenerated: '2026-01-01T00:00:01.000Z', ContainerJobName_s: 'job', ContainerGroupName_s: 'job-abc-x1', Stream_s: 'stdout', Log_s: 'one' },
  { TimeGenerated: '2026-01-01T00:00:03.000Z', ContainerJobName_s: 'job', ContainerGroupName_s: 'job-abc-x1', Stream_s: 'stderr', Log_s: "it's two" },
  { TimeGenerated: '2026-01-01T00:00:02.000Z', ContainerJobName_s: 'other', ContainerGroupName_s: 'other-def-y', Stream_s: 'stdout', Log_s: 'three' },
];
const columns = Object.keys(rows[0]);
const run = (q: string) => runKql(parseKql(q), rows, columns);

test('filters by job, execution prefix and time, ordered, projected, limited', () => {
  const r = run(`ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'job' and ContainerGroupName_s startswith "job-abc" and TimeGenerated >= datetime(2026-01-01T00:00:00Z) | order by TimeGenerated desc | project Log_s | take 5`);
  expect(r.columns).toEqual(['Log_s']);
  expect(r.rows.map((x) => x.Log_s)).toEqual(["it's two", 'one']);
  expect(run(`T | where Log_s contains 'TWO'`).rows).toHaveLength(1);
  expect(run(`T | where ContainerJobName_s =~ 'JOB' | sort by TimeGenerated asc | limit 1`).rows.map((x) => x.Log_s)).toEqual(['one']);
  expect(run(`T | where TimeGenerated > ago(1d)`).rows).toHaveLength(0);
  expect(run(`T | where Log_s == "it's two"`).rows).toHaveLength(1);
});

test('refuses what it does not support, naming it', () => {
  expect(() => run('T | summarize count()')).toThrow(KqlError);
  expect(() => run('T | summarize count()')).toThrow(/'summarize' is not supported/);
  expect(() => run(`T | where A == 'x' or B == 'y'`)).toThrow(/'or' is not supported/);
  expect(() => run(`T | where Nope_s == 'x'`)).toThrow(/Failed to resolve column or scalar expression named 'Nope_s'/);
  expect(() => run(`T | where Log_s == bare`)).toThrow(/expected a string/);
  expect(() => run(`| where x == 1`)).toThrow(/must start with a table name/);
});
