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

  /// An actual line as the matcher reads it: trimmed, as characters, with its
  /// numbers and its runs of blanks found once (O(n) for n characters).
  struct Target {
    let characters: [Character]
    /// For each position, the end of the number that starts there, else -1.
    let numberEnd: [Int]
    /// For each position where a number starts, its value.
    let numberValue: [Double]
    /// For each end position (0...n), the start of the number that ends there, else -1.
    let numberStart: [Int]
    /// For each blank, where its run of blanks starts and ends; -1 elsewhere.
    let runStart: [Int]
    let runEnd: [Int]

    init(_ line: String) {
      let characters = Array(line.trimmingBlanks)
      let n = characters.count
      var numberEnd = [Int](repeating: -1, count: n)
      var numberValue = [Double](repeating: 0, count: n)
      var numberStart = [Int](repeating: -1, count: n + 1)
      var runStart = [Int](repeating: -1, count: n)
      var runEnd = [Int](repeating: -1, count: n)
      // The cut of `Piece.split`, without its `...` (here text, which allows a
      // number after it as a wildcard does there).
      var literalLast: Character? = nil
      var index = 0
      while index < n {
        if characters[index].isWhitespace {
          var end = index
          while end < n && characters[end].isWhitespace { end += 1 }
          for position in index..<end {
            runStart[position] = index
            runEnd[position] = end
          }
          index = end
          literalLast = nil
        } else if Piece.mayStartNumber(after: literalLast), let (value, end) = Piece.number(in: characters, at: index),
          end > index
        {
          numberEnd[index] = end
          numberValue[index] = value
          numberStart[end] = index
          index = end
          literalLast = nil
        } else {
          literalLast = characters[index]
          index += 1
        }
      }
      self.characters = characters
      self.numberEnd = numberEnd
      self.numberValue = numberValue
      self.numberStart = numberStart
      self.runStart = runStart
      self.runEnd = runEnd
    }
  }

  /// An expected line split once into literal pieces, numbers and `...`
  /// wildcards, to be compared with many actual lines (as a diff does).
  struct LinePattern {
    /// One piece, ready to compare: a number carries its tolerance.
    enum Step {
      case literal([Character])
      case blank
      case number(Double, tolerance: Double)
    }

    /// The runs of steps between the `...` wildcards (one more than there are
    /// wildcards; a run may be empty).
    let runs: [[Step]]
    /// The line is exactly `...`: it stands for any number of lines.
    let isEllipsisLine: Bool

    init(_ expected: String) {
      let trimmed = expected.trimmingBlanks
      var runs: [[Step]] = [[]]
      for piece in Piece.split(trimmed) {
        switch piece {
        case .wildcard: runs.append([])
        case .literal(let characters): runs[runs.count - 1].append(.literal(characters))
        case .blank: runs[runs.count - 1].append(.blank)
        case .number(let value, let decimals):
          runs[runs.count - 1].append(.number(value, tolerance: 0.5 * pow10(-decimals) * (1 + 1e-9)))
        }
      }
      self.runs = runs
      isEllipsisLine = trimmed == "..."
    }

    /// The greedy match of the type's description: the first run from the start,
    /// the last run back from the end, each run between at its earliest start.
    func matches(_ target: Target, budget: inout Budget) throws(Halt) -> Bool {
      let n = target.characters.count
      guard runs.count > 1 else { return try forward(runs[0], from: 0, in: target, budget: &budget) == n }
      guard let firstEnd = try forward(runs[0], from: 0, in: target, budget: &budget),
        let lastStart = try backward(runs[runs.count - 1], to: n, notBefore: firstEnd, in: target, budget: &budget)
      else { return false }
      var position = firstEnd
      for run in runs.dropFirst().dropLast() {
        guard let first = run.first else { continue }
        // A run takes at least one character, so it starts before `lastStart`.
        var start = position
        while true {
          guard start < lastStart else { return false }
          try budget.spend(1)
          // Only where its first step can begin, before walking the run.
          if Self.mayBegin(first, at: start, in: target),
            let end = try forward(run, from: start, in: target, budget: &budget)
          {
            // The earliest start has the earliest end: if it is too late, all are.
            guard end <= lastStart else { return false }
            position = end
            break
          }
          start += 1
        }
      }
      return true
    }

    static func mayBegin(_ step: Step, at start: Int, in target: Target) -> Bool {
      switch step {
      case .literal(let characters): return target.characters[start] == characters.first
      case .blank: return target.runEnd[start] >= 0
      case .number: return target.numberEnd[start] >= 0
      }
    }

    /// Where `run` ends when it starts at `start`, if it matches there (each step
    /// takes a fixed or a maximal stretch, so the end is unique).
    func forward(_ run: [Step], from start: Int, in target: Target, budget: inout Budget) throws(Halt) -> Int? {
      let characters = target.characters
      var index = start
      for step in run {
        try budget.spend(1)
        switch step {
        case .literal(let literal):
          guard index + literal.count <= characters.count else { return nil }
          var compared = 0
          while compared < literal.count && characters[index + compared] == literal[compared] { compared += 1 }
          try budget.spend(compared)
          guard compared == literal.count else { return nil }
          index += literal.count
        case .blank:
          guard index < characters.count, target.runEnd[index] >= 0 else { return nil }
          index = target.runEnd[index]
        case .number(let value, let tolerance):
          guard index < characters.count, target.numberEnd[index] >= 0,
            abs(target.numberValue[index] - value) <= tolerance
          else { return nil }
          index = target.numberEnd[index]
        }
      }
      return index
    }

    /// Where `run` starts when it ends at `end`, no earlier than `lower`, the
    /// latest such start if there are several (a first blank may start anywhere in
    /// its run of blanks; every other step's start follows from its end).
    func backward(_ run: [Step], to end: Int, notBefore lower: Int, in target: Target, budget: inout Budget)
      throws(Halt) -> Int?
    {
      let characters = target.characters
      var index = end
      for (offset, step) in run.enumerated().reversed() {
        try budget.spend(1)
        switch step {
        case .literal(let literal):
          guard index - literal.count >= 0 else { return nil }
          let start = index - literal.count
          var compared = 0
          while compared < literal.count && characters[start + compared] == literal[compared] { compared += 1 }
          try budget.spend(compared)
          guard compared == literal.count else { return nil }
          index = start
        case .blank:
          // A blank takes its run of blanks to the end, so it ends where the run does.
          guard index > 0, target.runEnd[index - 1] == index else { return nil }
          index = offset == 0 ? index - 1 : target.runStart[index - 1]
        case .number(let value, let tolerance):
          let start = target.numberStart[index]
          guard start >= 0, abs(target.numberValue[start] - value) <= tolerance else { return nil }
          index = start
        }
      }
      return index >= lower ? index : nil
    }
  }

  static func pow10(_ exponent: Int) -> Double {
    // Beyond 10^±400 the double is 0 or infinity already.
    let magnitude = min(abs(exponent), 400)
    var result = 1.0
    for _ in 0..<magnitude { result *= 10 }
    return exponent < 0 ? 1 / result : result
  }

  enum Piece: Equatable {
    case literal([Character])
    case blank
    case wildcard
    case number(Double, decimals: Int)

    /// Cuts a trimmed expected line in one pass (O(n)): blanks, `...`, numbers
    /// (where one may start: `mayStartNumber`), and text between.
    static func split(_ line: String) -> [Piece] {
      let characters = Array(line)
      var pieces: [Piece] = []
      var literal: [Character] = []
      func flush() {
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        literal = []
      }
      var index = 0
      while index < characters.count {
        let character = characters[index]
        if character.isWhitespace {
          flush()
          while index < characters.count && characters[index].isWhitespace { index += 1 }
          pieces.append(.blank)
        } else if characters[index...].starts(with: "...") {
          flush()
          pieces.append(.wildcard)
          index += 3
        } else if mayStartNumber(after: literal.last), let (value, end) = number(in: characters, at: index),
          end > index
        {
          flush()
          let text = characters[index..<end]
          let decimals = text.firstIndex(of: ".").map { end - $0 - 1 } ?? 0
          pieces.append(.number(value, decimals: decimals))
          index = end
        } else {
          literal.append(character)
          index += 1
        }
      }
      flush()
      return pieces
    }

    /// A number may start after the start of the line, a blank, `...`, another
    /// number, or text ending in anything but a letter, a digit or `_` (so `x1`
    /// and `3rd` stay text).
    static func mayStartNumber(after previous: Character?) -> Bool {
      previous.map { !$0.isLetter && !$0.isNumber && $0 != "_" } ?? true
    }

    /// A decimal number `-?digits(.digits)?` starting at `start`, not followed by a
    /// letter (so `1e` or `3rd` stay literal), and the index after it.
    static func number(in characters: [Character], at start: Int) -> (Double, Int)? {
      var index = start
      if index < characters.count && characters[index] == "-" { index += 1 }
      let digitsStart = index
      while index < characters.count && characters[index].isASCII && characters[index].isNumber { index += 1 }
      guard index > digitsStart else { return nil }
      if index + 1 < characters.count && characters[index] == "." && characters[index + 1].isASCII
        && characters[index + 1].isNumber
      {
        index += 1
        while index < characters.count && characters[index].isASCII && characters[index].isNumber { index += 1 }
      }
      if index < characters.count && (characters[index].isLetter || characters[index] == "_") { return nil }
      guard let value = Double(String(characters[start..<index])) else { return nil }
      return (value, index)
    }
  }
}

extension Array where Element == String {
  var trimmingTrailingBlankLines: [String] {
    Array(reversed().drop(while: { $0.trimmingBlanks.isEmpty }).reversed())
  }
}
