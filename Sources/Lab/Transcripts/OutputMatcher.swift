/// Compares a command's expected output, as written in a transcript, with what it
/// printed.
///
/// - Numbers compare to the precision written in the expected text: `0.32`
///   matches `0.318` (within half a unit of the last written digit), `0.318`
///   matches only `0.318`. A number is compared with a whole number of the
///   actual line, never with the tail of one: `...0.32` does not match `10.318`,
///   nor `...5` match `15` or `-5`. The actual line is cut into numbers by the
///   rule that cuts the expected one (`LinePattern`), so every line matches itself.
/// - Runs of blanks compare equal whatever their length, so a column that grew by
///   one digit does not fail a table.
/// - A line that is exactly `...` matches any number of lines (including none);
///   `...` inside a line matches any text.
///
/// Algorithm: a greedy leftmost glob match, on two levels, as Python's doctest
/// matches its ELLIPSIS (`_ellipsis_match`: the first piece anchored at the start,
/// the last at the end, each piece between at its earliest place) and cram its
/// globs. The `...` lines cut the expected lines into runs of fixed lines; the
/// first run is compared with the first actual lines, the last run with the last
/// ones, and each run between is placed at its earliest position after the one
/// before. Placing a run of fixed lines at its earliest position is never worse
/// than a later one (any match that places it later can place it there instead,
/// the `...` after it taking the difference), so this finds a match whenever one
/// exists. Inside a line, `...` cuts the pattern into runs of pieces (text,
/// blanks, numbers) matched the same way; there a run's end is not always its
/// start plus a fixed length, but it never decreases as the start moves right
/// (text has a fixed length; a blank takes the rest of its run of blanks; a
/// number takes its whole number, and numbers do not overlap), which is what the
/// exchange argument needs.
///
/// Cost, for P expected and A actual characters: O(P + A) character steps when
/// the first piece (or line) of each run between two `...` fails where the run
/// cannot start, as in tables and logs; at worst O(P + A * w), where w is the
/// length of the longest run between two `...` (in lines at the top level, in
/// pieces within a line): each run is tried at each position it may start. The
/// first and last runs, and a pattern without `...`, cost O(P + A). Every
/// comparison is counted against a step budget, and Ctrl-C is asked for every
/// `Budget.pollInterval` steps, so no output, however made, takes longer than
/// the budget allows.
public enum OutputMatcher {
  /// How a match ended.
  public enum Outcome: Equatable, Sendable {
    case matches
    case differs
    /// `shouldStop` said so (Ctrl-C): no answer.
    case stopped
    /// The step budget ran out before an answer: no answer.
    case tooMuchWork
  }

  /// The steps one command's expected output may take to match what it printed:
  /// a character compared, a piece or a line tried. About 0.3 s of CPU in a
  /// release build; no block of the lessons needs 2,000.
  public static let blockSteps = 20_000_000

  /// The steps one line comparison may take where no budget is given (`lineMatches`).
  public static let lineSteps = 4_000_000

  /// Whether `actual` matches `expected` (see the type's description); `.stopped`
  /// when `shouldStop` says so, `.tooMuchWork` past `steps` steps.
  public static func match(
    expected: [String], actual: [String], steps: Int = blockSteps, shouldStop: @escaping () -> Bool = { false }
  ) -> Outcome {
    var budget = Budget(steps: steps, shouldStop: shouldStop)
    do {
      return try matches(expected: expected, actual: actual, budget: &budget) ? .matches : .differs
    } catch {
      return error == .stopped ? .stopped : .tooMuchWork
    }
  }

  /// `match` with the default budget and no Ctrl-C: true only for `.matches`.
  public static func matches(expected: [String], actual: [String]) -> Bool {
    match(expected: expected, actual: actual) == .matches
  }

  /// Whether the actual line matches the expected one; false when the comparison
  /// would take more than `lineSteps` steps.
  public static func lineMatches(_ expected: String, _ actual: String) -> Bool {
    var budget = Budget(steps: lineSteps, shouldStop: { false })
    return (try? LinePattern(expected).matches(Target(actual), budget: &budget)) ?? false
  }

  static func matches(expected: [String], actual: [String], budget: inout Budget) throws(Halt) -> Bool {
    // Runs of fixed lines, cut at `...` lines (a run of those stands for one).
    var runs: [[LinePattern]] = [[]]
    for line in expected.trimmingTrailingBlankLines {
      let pattern = LinePattern(line)
      if pattern.isEllipsisLine {
        if !(runs.last?.isEmpty ?? false) || runs.count == 1 { runs.append([]) }
      } else {
        runs[runs.count - 1].append(pattern)
      }
    }
    let lines = actual.trimmingTrailingBlankLines
    // Every fixed line takes one actual line: more of them than actual lines cannot match.
    guard runs.reduce(0, { $0 + $1.count }) <= lines.count else { return false }
    let targets = lines.map(Target.init)
    func fits(_ run: [LinePattern], at start: Int, budget: inout Budget) throws(Halt) -> Bool {
      for (offset, pattern) in run.enumerated() {
        try budget.spend(1)
        guard try pattern.matches(targets[start + offset], budget: &budget) else { return false }
      }
      return true
    }
    let first = runs[0]
    guard runs.count > 1 else {
      guard first.count == targets.count else { return false }
      return try fits(first, at: 0, budget: &budget)
    }
    let last = runs[runs.count - 1]
    // The last run ends at the last line; the runs between fit before it.
    let lastStart = targets.count - last.count
    guard try fits(first, at: 0, budget: &budget), try fits(last, at: lastStart, budget: &budget) else {
      return false
    }
    var position = first.count
    for run in runs.dropFirst().dropLast() where !run.isEmpty {
      var start = position
      while true {
        guard start + run.count <= lastStart else { return false }
        if try fits(run, at: start, budget: &budget) { break }
        start += 1
      }
      position = start + run.count
    }
    return true
  }

  /// Why a match stopped without an answer.
  enum Halt: Error, Equatable {
    case stopped
    case exhausted
  }

  /// Steps left, and Ctrl-C asked every `pollInterval` steps.
  struct Budget {
    static let pollInterval = 1 << 14
    var remaining: Int
    var untilPoll = Budget.pollInterval
    let shouldStop: () -> Bool

    init(steps: Int, shouldStop: @escaping () -> Bool) {
      remaining = steps
      self.shouldStop = shouldStop
    }

    mutating func spend(_ steps: Int) throws(Halt) {
      remaining -= steps
      untilPoll -= steps
      guard remaining >= 0 else { throw .exhausted }
      if untilPoll <= 0 {
        untilPoll = Self.pollInterval
        if shouldStop() { throw .stopped }
      }
    }
  }
}

extension Array where Element == String {
  var trimmingTrailingBlankLines: [String] {
    Array(reversed().drop(while: { $0.trimmingBlanks.isEmpty }).reversed())
  }
}
