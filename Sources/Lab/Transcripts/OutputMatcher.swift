/// Compares a command's expected output, as written in a transcript, with what it
/// printed.
///
/// - Numbers compare to the precision written in the expected text: `0.32`
///   matches `0.318` (within half a unit of the last written digit), `0.318`
///   matches only `0.318`.
/// - Runs of blanks compare equal whatever their length, so a column that grew by
///   one digit does not fail a table.
/// - A line that is exactly `...` matches any number of lines (including none);
///   `...` inside a line matches any text.
public enum OutputMatcher {
  public static func matches(expected: [String], actual: [String]) -> Bool {
    // Runs of `...` lines stand for one; every other line takes exactly one actual line,
    // so more of them than actual lines cannot match (and the work below stays
    // within about 2 n^2 line comparisons for n actual lines).
    let patterns = expected.trimmingTrailingBlankLines.map(LinePattern.init).reduce(into: [LinePattern]()) {
      if !($1.isEllipsisLine && $0.last?.isEllipsisLine == true) { $0.append($1) }
    }
    let actual = actual.trimmingTrailingBlankLines.map(LinePattern.characters)
    guard patterns.count(where: { !$0.isEllipsisLine }) <= actual.count else { return false }
    // Forward, over the set of actual lines the expected ones so far can end
    // before (sorted, no repeats): no input nests a recursion, and a line is
    // compared only where the match so far can reach.
    var reach = [0]
    for pattern in patterns {
      guard let first = reach.first else { return false }
      if pattern.isEllipsisLine {
        reach = Array(first...actual.count)
      } else {
        reach = reach.filter { $0 < actual.count && pattern.matches(actual[$0]) }.map { $0 + 1 }
      }
    }
    return reach.last == actual.count
  }

  /// Whether the actual line matches the expected one.
  public static func lineMatches(_ expected: String, _ actual: String) -> Bool {
    LinePattern(expected).matches(LinePattern.characters(actual))
  }

  /// An expected line split once into literal pieces, numbers and `...`
  /// wildcards, to be compared with many actual lines (as a diff does).
  struct LinePattern {
    let pieces: [Piece]
    /// The line is exactly `...`: it stands for any number of lines.
    let isEllipsisLine: Bool

    init(_ expected: String) {
      let trimmed = expected.trimmingBlanks
      pieces = Piece.split(trimmed)
      isEllipsisLine = trimmed == "..."
    }

    /// An actual line as `matches` takes it: trimmed, as characters.
    static func characters(_ actual: String) -> [Character] { Array(actual.trimmingBlanks) }

    /// The most piece-by-position steps one line comparison may take (each
    /// piece looks at up to every position of the actual line): beyond it, a
    /// pattern of thousands of pieces against a line of thousands of
    /// characters, the line must equal the expected one, blanks aside.
    static let largestWork = 4_000_000

    /// Forward over the reachable positions in `target`, as `matches` goes over lines.
    func matches(_ target: [Character]) -> Bool {
      let n = target.count
      guard pieces.count * (n + 1) <= Self.largestWork else {
        return Piece.split(String(target)) == pieces
      }
      var reach = [0]
      for piece in pieces {
        guard let first = reach.first else { return false }
        var next: [Int] = []
        switch piece {
        case .wildcard:
          next = Array(first...n)
        case .blank:
          for t in reach where t < n && target[t].isWhitespace {
            var end = t
            while end < n && target[end].isWhitespace { end += 1 }
            next.append(end)
          }
        case .literal(let characters):
          for t in reach where t + characters.count <= n && target[t..<(t + characters.count)].elementsEqual(characters)
          {
            next.append(t + characters.count)
          }
        case .number(let value, let decimals):
          let tolerance = 0.5 * pow10(-decimals) * (1 + 1e-9)
          for t in reach {
            if let (actualValue, end) = Piece.number(in: target, at: t), abs(actualValue - value) <= tolerance {
              next.append(end)
            }
          }
        }
        // Sorted, without repeats (blanks from neighbouring starts end alike).
        reach = next.sorted().reduce(into: []) { if $0.last != $1 { $0.append($1) } }
      }
      return reach.last == n
    }
  }

  static func pow10(_ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<abs(exponent) { result *= 10 }
    return exponent < 0 ? 1 / result : result
  }

  enum Piece: Equatable {
    case literal([Character])
    case blank
    case wildcard
    case number(Double, decimals: Int)

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
        } else if (literal.last.map { !$0.isLetter && !$0.isNumber && $0 != "_" } ?? true),
          let (value, end) = number(in: characters, at: index), end > index
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
