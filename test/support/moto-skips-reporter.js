/**
 * Jest reporter: at the end of a run, one line naming the suites skipped because moto_server is
 * missing, and why. test/support/moto.ts marks a skipped suite by ending its name with MARK (the
 * same text is written there: a reporter is plain JavaScript and cannot import it).
 */
const MARK = '[skipped: moto_server not found]';

class MotoSkipsReporter {
  onRunComplete(_contexts, results) {
    const suites = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        const title = test.ancestorTitles.find((t) => t.endsWith(MARK));
        if (title) suites.add(title.slice(0, -MARK.length).trim());
      }
    }
    if (suites.size === 0) return;
    process.stderr.write(
      `Skipped ${suites.size === 1 ? '1 suite that needs' : `${suites.size} suites that need`} moto_server, which is not on PATH ` +
        `(pip install "moto[server]==5.2.1", or set MOTO_SERVER; .ci/run requires it): ${[...suites].join('; ')}\n`,
    );
  }
}

module.exports = MotoSkipsReporter;
