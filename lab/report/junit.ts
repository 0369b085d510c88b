import { describeObserved } from '../scenario/expectations.ts';
import type { RunReport } from '../scenario/result.ts';

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: a test suite per scenario, a test case per sender, for CI systems. */
export function renderJunit(report: RunReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = report.scenarios.flatMap((s) => [...s.senders, ...s.outbound]);
  const failures = all.filter((s) => !s.held).length;
  const errors = report.scenarios.filter((s) => s.error).length;
  out.push(`<testsuites name="tlslab run ${escape(report.runId)}" tests="${all.length}" failures="${failures}" errors="${errors}">`);
  for (const scenario of report.scenarios) {
    const seconds = (scenario.timings.totalMs / 1000).toFixed(3);
    const cases = [...scenario.senders, ...scenario.outbound];
    const failed = cases.filter((s) => !s.held).length;
    out.push(`  <testsuite name="${escape(scenario.scenario)}" tests="${cases.length}" failures="${failed}" errors="${scenario.error ? 1 : 0}" time="${seconds}">`);
    for (const sender of cases) {
      const name = sender.direction === 'outbound' ? `outbound ${sender.name}` : sender.name;
      out.push(`    <testcase classname="${escape(scenario.scenario)}" name="${escape(name)}" time="${(sender.durationMs / 1000).toFixed(3)}">`);
      if (!sender.held) {
        const path = sender.path ? `\npath: ${sender.path}` : '';
        out.push(`      <failure message="${escape(sender.mismatch ?? 'expectation not met')}">${escape(`expected: ${sender.expected}\nobserved: ${describeObserved(sender.observed)}${path}\n\n${sender.evidence.join('\n')}`)}</failure>`);
      }
      out.push(`      <system-out>${escape(sender.transcript)}</system-out>`);
      out.push('    </testcase>');
    }
    if (scenario.error) {
      out.push(`    <testcase classname="${escape(scenario.scenario)}" name="(scenario)"><error type="${escape(scenario.error.code)}" message="${escape(scenario.error.message.split('\n')[0] ?? '')}">${escape(scenario.error.message)}</error></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
