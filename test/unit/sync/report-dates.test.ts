import { formatReport } from '../../../shared/sync/report';
import { destinationSection, runReport } from '../../support/reports';

/** Issue #11, "dates follow one format everywhere": a paused destination's start reads as the emails and pages do. */
test('a pause is dated in formatUtc, not as an ISO string', () => {
  const paused = destinationSection({ paused: { reason: 'a restore is running', since: '2026-01-08T14:30:00.000Z' } });
  const text = formatReport(runReport('2026-01-08T14:30:00.000Z', { destinations: [paused] }));
  expect(text).toContain('paused: a restore is running (since Thursday, 8 January 2026, 14:30 UTC)');
  expect(text).not.toContain('2026-01-08T14:30');
});
