import Synchronization
import Testing

@testable import Lab

/// Issue 26, item 4: the matcher is linear-ish in the sizes of the output and
/// the pattern, compares numbers as whole numbers, stops at Ctrl-C, and refuses
/// with the line when one command's match would take more than its step budget.
/// (Its speed is measured with `vaelab check`, not here.)
struct OutputMatcherScaleTests {
  /// What `kl` prints for n dimensions of mu = 0, sigma = 1.
  static func klTable(_ n: Int) -> [String] {
    [
      "KL(q || p) for q = N(mu, diag sigma^2), p = N(0, I); per dimension 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)",
      "  dim     mu  sigma  KL(q || p)",
    ] + (0..<n).map { "\(String(repeating: " ", count: max(0, 5 - String($0).count)))\($0)  0.000  1.000       0.000" }
      + ["total                    0.000", "in nats, summed over \(n) dimensions"]
  }

  /// The reproduction of the issue at N = 10,000: one `...` line, then N lines `...0...`.
  @Test func tenThousandLinesMatchCorrectly() {
    let n = 10_000
    let actual = Self.klTable(n)
    // The last line holds no number 0 (10000 is not 0, though it has zeros in it).
    #expect(!OutputMatcher.matches(expected: ["..."] + Array(repeating: "...0...", count: n), actual: actual))
    #expect(
      OutputMatcher.matches(
        expected: ["..."] + Array(repeating: "...0...", count: n - 1) + ["in nats, summed over \(n) dimensions"],
        actual: actual))
    // A run of fixed lines between two `...` lines, found where it is.
    let middle = (5000..<6000).map { "\($0)  0.000  1.000  0.000" }
    let expected =
      ["KL(q || p) ...", "  dim ... KL(q || p)", "...", "4999 ..."] + middle
      + ["...", "total 0.0", "in nats, summed over \(n) dimensions"]
    #expect(OutputMatcher.matches(expected: expected, actual: actual))
    var wrong = expected
    wrong[wrong.count - 500] = "5500  0.000  1.000  0.001"
    #expect(!OutputMatcher.matches(expected: wrong, actual: actual))
    #expect(!OutputMatcher.matches(expected: expected + ["more"], actual: actual))
    #expect(!OutputMatcher.matches(expected: ["..."] + Array(repeating: "...0...", count: n + 5), actual: actual))
  }

  /// `count` statements `seed 0` on one command line: `count` lines `seed = 0`
  /// (not a table, which a command may cut short).
  static func seeds(_ count: Int) -> String { Array(repeating: "seed 0", count: count).joined(separator: "; ") }

  /// The reproduction's shape through `check`: one command printing N = 10,000
  /// lines, expected as one `...` line and N lines `...0...`.
  @Test func tenThousandLineLessonChecks() throws {
    let n = 10_000
    let body = String(repeating: "...0...\n", count: n - 1)
    let matching = "```vaelab\n> \(Self.seeds(n))\n...\n\(body)...0...\n```\n"
    let result = try TranscriptChecker.check(
      try Transcript(parsing: matching, name: "k.md"), file: "k.md", files: .unrestricted)
    #expect(result.mismatches.isEmpty && result.commandCount == 1)
    let differing = "```vaelab\n> \(Self.seeds(n))\n...\n\(body)...1...\n```\n"
    let mismatch = try TranscriptChecker.check(
      try Transcript(parsing: differing, name: "k.md"), file: "k.md", files: .unrestricted)
    #expect(mismatch.mismatches.map(\.line) == [2])
  }

  @Test(arguments: [
    // A number is matched with a whole number, never with the tail of one.
    ("= ...0.32 nats", "= 10.318 nats", false),
    ("= ...0.32 nats", "= 0.318 nats", true),
    ("...5", "15", false),
    ("...5", "-5", false),
    ("...5", "x5", false),
    ("...5", "0.5", false),
    ("....5", "0.5", false),
    ("...5", "x 5", true),
    ("...5", "(5)", false),
    ("...5...", "(5)", true),
    ("...-5", "a -5", true),
    ("...-5", "a-5", false),
    // Lines match themselves, numbers cut the same way.
    ("1-5", "1-5", true),
    ("x-5", "x-5", true),
    ("v.5", "v.5", true),
    ("1.2.3", "1.2.3", true),
    ("3rd of 1e5", "3rd of 1e5", true),
    // The greedy scan passes over an earlier near-miss.
    ("...1 x", "1 y 1 x", true),
    ("...1.0 x...", "1.04 y 0.98 x z", true),
    ("a ... b", "a x   y b", true),
    ("a...  b", "a    b", true),
    ("a...b...b", "ab", false),
    ("a...b...c", "a c b c", true),
    ("a...b...c", "a c b", false),
    ("...a b...", "a  b", true),
  ])
  func numbersCompareAsWholeNumbers(expected: String, actual: String, matches: Bool) {
    #expect(OutputMatcher.lineMatches(expected, actual) == matches)
  }

  /// Ctrl-C during a match that would take long stops the check at that command.
  @Test func ctrlCStopsAMatch() throws {
    // A run of 51 lines between two `...` lines, tried at each of 250 places.
    let slow =
      "```vaelab\n> \(Self.seeds(300))\n...\n" + String(repeating: "...0...\n", count: 50) + "nowhere\n...\n```\n"
    let quick = "```vaelab\n> \(Self.seeds(300))\n...\n```\n"
    // How many times running the command asks (the matcher asks every 16,384 steps).
    let asked = CallCounter()
    _ = try TranscriptChecker.check(
      try Transcript(parsing: quick, name: "q.md"), file: "q.md", files: .unrestricted,
      shouldStop: { asked.count() && false })
    let before = asked.calls.load(ordering: .relaxed)
    let counter = CallCounter()
    let result = try TranscriptChecker.check(
      try Transcript(parsing: slow, name: "s.md"), file: "s.md", files: .unrestricted,
      shouldStop: { counter.count() && counter.calls.load(ordering: .relaxed) > before })
    #expect(result.interruptedAt == 2)
    #expect(result.mismatches.isEmpty)
  }

  /// Work beyond the step budget is refused with the command's line and the limit.
  @Test func aMatchBeyondTheBudgetIsRefusedWithTheLine() throws {
    // A run of 2,001 lines between two `...` lines, 2,000 of which match at each of 3,000 places.
    let text =
      "Prose.\n\n```vaelab\n> \(Self.seeds(5000))\n...\n" + String(repeating: "...0...\n", count: 2000)
      + "nowhere\n...\n```\n"
    let transcript = try Transcript(parsing: text, name: "b.md")
    #expect(
      throws: LabError(
        "b.md:4: matching the output of '\(Self.seeds(5000))' (5000 lines) against its 2003 expected lines took more than 20000000 steps, the limit for one command; put fewer lines or pieces between its '...' wildcards"
      )
    ) {
      try TranscriptChecker.check(transcript, file: "b.md", files: .unrestricted)
    }
  }
}

/// Counts calls, from any thread.
final class CallCounter: Sendable {
  let calls = Atomic<Int>(0)

  /// Counts one call; true, to be used in `&&`.
  func count() -> Bool {
    calls.add(1, ordering: .relaxed)
    return true
  }
}

/// The greedy matcher against an exhaustive one (every split of the output
/// among the wildcards), on all short lines and line lists of a small alphabet.
struct OutputMatcherGreedyTests {
  /// Whether `pieces[p...]` matches `target[t...]`, trying every end of every wildcard.
  static func exhaustive(_ runs: [[OutputMatcher.LinePattern.Step]], _ target: OutputMatcher.Target) -> Bool {
    let pieces: [OutputMatcher.LinePattern.Step?] = runs.enumerated().flatMap { index, run in
      (index == 0 ? [] : [nil]) + run.map { Optional($0) }
    }
    let n = target.characters.count
    var reach: Set<Int> = [0]
    for piece in pieces {
      var next: Set<Int> = []
      for t in reach {
        switch piece {
        case nil: next.formUnion(t...n)
        case .literal(let literal)?:
          if t + literal.count <= n && Array(target.characters[t..<(t + literal.count)]) == literal {
            next.insert(t + literal.count)
          }
        case .blank?: if t < n && target.runEnd[t] >= 0 { next.insert(target.runEnd[t]) }
        case .number(let value, let tolerance)?:
          if t < n && target.numberEnd[t] >= 0 && abs(target.numberValue[t] - value) <= tolerance {
            next.insert(target.numberEnd[t])
          }
        }
      }
      reach = next
    }
    return reach.contains(n)
  }

  @Test func linesAgreeWithAnExhaustiveMatch() {
    let parts = ["a", "1", "0.5", " ", "...", "-", ".", "x1", "10"]
    let actualParts = ["a", "1", "0.5", " ", "-", ".", "10", "0.48", "x"]
    var generator = SplitMix(state: 26)
    var checked = 0
    for _ in 0..<20_000 {
      let expected = (0..<1 + generator.index(5)).map { _ in
        parts[generator.index(parts.count)]
      }
      .joined()
      let actual = (0..<generator.index(7)).map { _ in
        actualParts[generator.index(actualParts.count)]
      }.joined()
      let pattern = OutputMatcher.LinePattern(expected)
      let target = OutputMatcher.Target(actual)
      let greedy = OutputMatcher.lineMatches(expected, actual)
      #expect(greedy == Self.exhaustive(pattern.runs, target), "'\(expected)' against '\(actual)'")
      checked += greedy ? 1 : 0
    }
    #expect(checked > 500, "enough matches among the cases")
  }

  @Test func lineListsAgreeWithAnExhaustiveMatch() {
    let lines = ["a", "...", "b", "...a", "1.0", "1"]
    let actualLines = ["a", "b", "1.04", "1", "xa"]
    var generator = SplitMix(state: 7)
    for _ in 0..<5_000 {
      let expected = (0..<generator.index(6)).map { _ in
        lines[generator.index(lines.count)]
      }
      let actual = (0..<generator.index(7)).map { _ in
        actualLines[generator.index(actualLines.count)]
      }
      // Every split of the actual lines among the `...` lines.
      var reach: Set<Int> = [0]
      for line in expected {
        var next: Set<Int> = []
        for t in reach {
          if line == "..." {
            next.formUnion(t...actual.count)
          } else if t < actual.count && OutputMatcher.lineMatches(line, actual[t]) {
            next.insert(t + 1)
          }
        }
        reach = next
      }
      #expect(
        OutputMatcher.matches(expected: expected, actual: actual) == reach.contains(actual.count),
        "\(expected) \(actual)")
    }
  }
}
