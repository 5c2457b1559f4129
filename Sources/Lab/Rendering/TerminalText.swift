/// Text from files, made safe to print on a terminal.
///
/// A terminal obeys the control characters in what it prints: ESC starts
/// sequences that move the cursor, clear the screen, set the window title,
/// write the clipboard (OSC 52) or make links (OSC 8); a carriage return
/// overwrites the line (unless a line feed follows). A lesson, notebook or checkpoint may come from anyone,
/// so every string vaelab read from a file reaches the terminal with its
/// control characters made visible, in caret notation as `cat -v` shows them
/// (`^[` for ESC, `^M` for a carriage return, `^?` for DEL) and C1 controls as
/// `<U+009B>`. Line feeds and tabs stay. vaelab's own colours are the only
/// escape sequences a terminal gets: `safe(_:colour:)` keeps exactly the SGR
/// sequences vaelab writes and makes every other one visible.
public enum TerminalText {
  /// `text` with every control character but line feed, tab and the carriage
  /// return of a CR LF line break (a CSV's) made visible.
  public static func visible(_ text: String) -> String {
    let scalars = Array(text.unicodeScalars)
    guard scalars.contains(where: isControl) else { return text }
    var result = String.UnicodeScalarView()
    for (index, scalar) in scalars.enumerated() {
      let endsLine = scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"
      guard isControl(scalar), !endsLine else {
        result.append(scalar)
        continue
      }
      result.append(contentsOf: shown(scalar).unicodeScalars)
    }
    return String(result)
  }

  /// A line of `visible` text: line feeds made visible too (`^J`), for text
  /// that must stay on one line (a title, a name in a message).
  public static func visibleLine(_ text: String) -> String {
    visible(text).replacingOccurrences(of: "\n", with: "^J")
  }

  /// Text for the terminal: `visible`, except that with `colour` the SGR
  /// sequences vaelab itself writes (bold, red, reset, and the 256-colour
  /// greys of images) pass as they are.
  public static func safe(_ text: String, colour: Bool) -> String {
    guard colour, text.unicodeScalars.contains("\u{1B}") else { return visible(text) }
    var result = ""
    var rest = Substring(text)
    while let escape = rest.firstIndex(of: "\u{1B}") {
      result += visible(String(rest[..<escape]))
      let after = rest[rest.index(after: escape)...]
      if let length = ownColourLength(after) {
        result += "\u{1B}" + after.prefix(length)
        rest = after.dropFirst(length)
      } else {
        result += "^["
        rest = after
      }
    }
    return result + visible(String(rest))
  }

  /// The length of the SGR sequence after an ESC when it is one of vaelab's:
  /// `[0m`, `[1m`, `[31m`, `[38;5;Nm` or `[48;5;Nm` (N a grey, 232 to 255).
  static func ownColourLength(_ text: Substring) -> Int? {
    for fixed in ["[0m", "[1m", "[31m"] where text.hasPrefix(fixed) { return fixed.count }
    for prefix in ["[38;5;", "[48;5;"] where text.hasPrefix(prefix) {
      let digits = text.dropFirst(prefix.count).prefix(4)
      guard digits.count == 4, digits.last == "m", let grey = Int(digits.dropLast()), (232...255).contains(grey)
      else { return nil }
      return prefix.count + 4
    }
    return nil
  }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
  }

  static func shown(_ scalar: Unicode.Scalar) -> String {
    switch scalar.value {
    case 0..<0x20: "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
    case 0x7F: "^?"
    default: "<U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + ">"
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
