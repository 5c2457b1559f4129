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
    let expected = expected.trimmingTrailingBlankLines
    let actual = actual.trimmingTrailingBlankLines
    // memo[i][j]: whether expected[i...] matches actual[j...].
    var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: actual.count + 1), count: expected.count + 1)
    func match(_ i: Int, _ j: Int) -> Bool {
      if let known = memo[i][j] { return known }
      let result: Bool
      if i == expected.count {
        result = j == actual.count
      } else if expected[i].trimmingBlanks == "..." {
        result = match(i + 1, j) || (j < actual.count && match(i, j + 1))
      } else {
        result = j < actual.count && lineMatches(expected[i], actual[j]) && match(i + 1, j + 1)
      }
      memo[i][j] = result
      return result
    }
    return match(0, 0)
  }

  /// One line: literal pieces, numbers and `...` wildcards.
  public static func lineMatches(_ expected: String, _ actual: String) -> Bool {
    let pieces = Piece.split(expected.trimmingBlanks)
    let target = Array(actual.trimmingBlanks)
    var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: target.count + 1), count: pieces.count + 1)
    func match(_ p: Int, _ t: Int) -> Bool {
      if let known = memo[p][t] { return known }
      var result = false
      if p == pieces.count {
        result = t == target.count
      } else {
        switch pieces[p] {
        case .wildcard:
          result = (t...target.count).contains { match(p + 1, $0) }
        case .blank:
          var end = t
          while end < target.count && target[end].isWhitespace { end += 1 }
          result = end > t && match(p + 1, end)
        case .literal(let characters):
          let end = t + characters.count
          result = end <= target.count && Array(target[t..<end]) == characters && match(p + 1, end)
        case .number(let value, let decimals):
          if let (actualValue, end) = Piece.number(in: target, at: t) {
            let tolerance = 0.5 * pow10(-decimals) * (1 + 1e-9)
            result = abs(actualValue - value) <= tolerance && match(p + 1, end)
          }
        }
      }
      memo[p][t] = result
      return result
    }
    return match(0, 0)
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
