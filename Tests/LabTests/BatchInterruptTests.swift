import Foundation
import Synchronization
import Testing

@testable import Lab

/// A Ctrl-C that arrives during a command of a batch run is reported at that
/// command, even when the command finished without asking: before, it stayed
/// pending and the next line was blamed (issue 26, item 10).
struct BatchInterruptTests {
  final class Lines: Sendable {
    let output = Mutex<[String]>([])
    let errors = Mutex<[String]>([])
  }

  /// Ctrl-C pressed as `kl 2 1` (which never asks) finishes: its result stands,
  /// the interrupt is reported at its line, and nothing after it runs.
  @Test func anInterruptAsACommandFinishesIsReportedAtIt() {
    let stop = StopSwitch()
    let lines = Lines()
    var runner = BatchRunner(
      runner: LessonRunner(session: Session(shouldStop: { stop.flag.load(ordering: .relaxed) })), keepGoing: true,
      write: { text in
        lines.output.withLock { $0.append(text) }
        stop.flag.store(true, ordering: .relaxed)
      },
      writeError: { text in lines.errors.withLock { $0.append(text) } })
    runner.run(line: "seed 5", file: "<stdin>", number: 1)
    runner.run(line: "kl 2 1", file: "<stdin>", number: 2)
    #expect(runner.failed)
    #expect(!runner.shouldContinue)
    #expect(lines.output.withLock { $0 } == ["seed = 5\n"])
    #expect(
      lines.errors.withLock { $0 }
        == [
          "<stdin>:1: error: interrupted (Ctrl-C) as this command finished: its result stands, and nothing after it is run\n"
        ]
    )
  }

  /// A command that stops at the Ctrl-C reports it itself, once (the runner
  /// asks first, before the command, which asks next).
  @Test func aCommandThatStopsReportsItOnce() {
    let lines = Lines()
    let stop = StopAfter(2)
    var runner = BatchRunner(
      runner: LessonRunner(session: Session(shouldStop: { stop.shouldStop() })), keepGoing: true,
      write: { text in lines.output.withLock { $0.append(text) } },
      writeError: { text in lines.errors.withLock { $0.append(text) } })
    runner.run(line: "sample n=1000000000", file: "-c", number: 1)
    runner.run(line: "seed 2", file: "-c", number: 2)
    #expect(runner.failed)
    #expect(lines.output.withLock { $0 } == [])
    #expect(lines.errors.withLock { $0 } == ["-c:1: error: interrupted (Ctrl-C); nothing was changed\n"])
  }
}
