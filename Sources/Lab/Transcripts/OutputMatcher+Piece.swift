/// The cut of an expected line into pieces: text, blanks, `...` and numbers,
/// each number with the decimals it was written to.
extension OutputMatcher {
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
