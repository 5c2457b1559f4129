/// Markdown prose for a terminal: paragraphs and list items rejoined and
/// wrapped to the width, headings, indented code and fenced blocks kept as
/// written, runs of blank lines made one.
public enum ProseLayout {
  public static func lines(_ markdown: [String], width: Int?) -> [String] {
    var result: [String] = []
    var paragraph: [String] = []
    var inFence = false
    func flush() {
      guard let first = paragraph.first else { return }
      let text = paragraph.map(\.trimmingBlanks).joined(separator: " ")
      paragraph = []
      // A list item's continuation lines hang under its text.
      let marker = listMarker(first)
      let hanging = String(repeating: " ", count: marker?.count ?? 0)
      result += wrap(text, width: width, hanging: hanging)
    }
    for line in markdown {
      let trimmed = line.trimmingBlanks
      if trimmed.hasPrefix("```") {
        flush()
        inFence.toggle()
        result.append(line)
      } else if inFence || line.hasPrefix("    ") || line.hasPrefix("\t") || trimmed.hasPrefix("#")
        || trimmed.hasPrefix("|")
      {
        flush()
        result.append(line)
      } else if trimmed.isEmpty {
        flush()
        if result.last?.isEmpty == false { result.append("") }
      } else {
        if listMarker(line) != nil { flush() }
        paragraph.append(line)
      }
    }
    flush()
    while result.first?.isEmpty == true { result.removeFirst() }
    while result.last?.isEmpty == true { result.removeLast() }
    return result
  }

  /// `- `, `* ` or `12. ` with the blanks before it, when the line starts a list item.
  static func listMarker(_ line: String) -> String? {
    let indent = line.prefix { $0 == " " }
    let rest = line.dropFirst(indent.count)
    if rest.hasPrefix("- ") || rest.hasPrefix("* ") { return String(indent + rest.prefix(2)) }
    let digits = rest.prefix { $0.isNumber }
    if !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(". ") { return indent + digits + ". " }
    return nil
  }

  /// `text` broken at blanks into lines of at most `width` characters, lines
  /// after the first indented by `hanging`; a longer word stays whole.
  static func wrap(_ text: String, width: Int?, hanging: String) -> [String] {
    guard let width, text.count > width else { return [text] }
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
      let candidate = current.isEmpty ? (lines.isEmpty ? "" : hanging) + word : current + " " + word
      if candidate.count > width && !current.isEmpty {
        lines.append(current)
        current = hanging + word
      } else {
        current = candidate
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }
}
