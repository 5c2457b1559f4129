/// One word of a command line, with quotes removed and the column (0-based, in
/// characters) where it started, for error messages.
public struct Token: Equatable, Sendable {
  public var text: String
  public var column: Int
}

/// Splits command lines into words.
///
/// Words are separated by blanks; `"..."` and `'...'` group text (the quotes are
/// removed) and `[...]` keeps a vector together with its spaces, so
/// `kl [0, 2] sigma=[1, 1] f="(z - 3)^2"` is four words. `#` outside quotes and
/// brackets starts a comment; `;` separates statements.
public enum Tokenizer {
  /// The words of one statement.
  public static func tokens(_ line: String) throws(LabError) -> [Token] {
    try scan(line, lenient: false).tokens
  }

  /// The words of a partial line for completion: an unterminated quote or bracket
  /// is allowed, and `endsInBlank` says whether a new word has begun.
  public static func partialTokens(_ line: String) -> (tokens: [Token], endsInBlank: Bool) {
    // A lenient scan never throws.
    let scanned = (try? scan(line, lenient: true)) ?? Scan(tokens: [], endsInBlank: true)
    return (scanned.tokens, scanned.endsInBlank)
  }

  /// `text` as one word of a command line: as it is when it reads as that
  /// word, else in double quotes (single quotes when it holds a double quote).
  public static func quoted(_ text: String) -> String {
    if !text.contains(where: { $0 == "#" || $0 == ";" }), let words = try? tokens(text), words.count == 1,
      words[0].text == text
    {
      return text
    }
    return text.contains("\"") ? "'\(text)'" : "\"\(text)\""
  }

  /// Splits `line` at each `;` outside quotes and brackets, dropping a `#` comment.
  public static func statements(_ line: String) -> [String] {
    var statements: [String] = []
    var current = ""
    var state = State()
    for character in line {
      if state.isPlain && character == "#" { break }
      if state.isPlain && character == ";" {
        statements.append(current)
        current = ""
        continue
      }
      state.advance(over: character)
      current.append(character)
    }
    statements.append(current)
    return statements.filter { !$0.allSatisfy(\.isWhitespace) }
  }

  private struct Scan {
    var tokens: [Token]
    var endsInBlank: Bool
  }

  /// Quote and bracket nesting while scanning.
  private struct State {
    var quote: Character? = nil
    var quoteColumn = 0
    var bracketDepth = 0
    var bracketColumn = 0
    var column = 0

    var isPlain: Bool { quote == nil && bracketDepth == 0 }

    mutating func advance(over character: Character) {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "\"" || character == "'" {
        quote = character
        quoteColumn = column
      } else if character == "[" {
        if bracketDepth == 0 { bracketColumn = column }
        bracketDepth += 1
      } else if character == "]" && bracketDepth > 0 {
        bracketDepth -= 1
      }
      column += 1
    }
  }

  private static func scan(_ line: String, lenient: Bool) throws(LabError) -> Scan {
    // A control character (a NUL pasted in, say) would hide inside a word and make
    // `seed` look unknown; say so instead. A tab is a blank.
    if !lenient,
      let (column, scalar) = line.unicodeScalars.enumerated().first(where: {
        $0.element.properties.generalCategory == .control && $0.element != "\t"
      })
    {
      let code = String(scalar.value, radix: 16, uppercase: true)
      throw LabError(
        "the line holds a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)) at column \(column + 1); commands are plain text"
      )
    }
    var tokens: [Token] = []
    var word: String? = nil
    var wordColumn = 0
    var state = State()
    for character in line {
      let column = state.column
      if state.isPlain && character == "#" { break }
      if state.isPlain && character.isWhitespace {
        if let finished = word { tokens.append(Token(text: finished, column: wordColumn)) }
        word = nil
        state.advance(over: character)
        continue
      }
      if word == nil {
        word = ""
        wordColumn = column
      }
      let wasQuoted = state.quote != nil
      state.advance(over: character)
      let isQuoteMark =
        (character == "\"" || character == "'")
        && (wasQuoted ? state.quote == nil : state.quote == character)
      if !isQuoteMark { word?.append(character) }
    }
    if !lenient {
      if let open = state.quote {
        throw LabError("unterminated \(open) quote starting at column \(state.quoteColumn + 1)")
      }
      if state.bracketDepth > 0 {
        throw LabError("unclosed [ starting at column \(state.bracketColumn + 1)")
      }
    }
    let endsInBlank = word == nil
    if let finished = word { tokens.append(Token(text: finished, column: wordColumn)) }
    return Scan(tokens: tokens, endsInBlank: endsInBlank)
  }
}
