/// One expected line against one actual line: the actual line read once
/// (`Target`), the expected one cut once into runs of steps (`LinePattern`), and
/// the runs placed as `OutputMatcher` describes.
extension OutputMatcher {
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
}
