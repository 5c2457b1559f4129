/// A lesson cut into the steps a student takes one at a time: each step is the
/// prose up to the next command or exercise, then that command (which the shell
/// types for the student) or that exercise. The prose after the last one closes
/// the lesson.
public struct LessonPlan: Sendable {
  public enum Action: Sendable {
    /// A command the student runs (pre-typed at a terminal).
    case command(String)
    case exercise(Exercise)
  }

  public struct Step: Sendable {
    /// The Markdown lines before the action, as written.
    public var prose: [String]
    public var action: Action
  }

  public var title: String
  public var summary: String
  /// The seed the lesson's outputs assume (its front matter's `seed:`).
  public var seed: UInt64
  public var steps: [Step]
  /// The prose after the last step.
  public var closing: [String]

  public var exercises: [Exercise] {
    steps.compactMap {
      if case .exercise(let exercise) = $0.action { exercise } else { nil }
    }
  }

  /// The steps of `transcript`, in file order; `name` titles a lesson without `title:`.
  /// The title, summary and prose come from someone else's file: they are kept
  /// with their control characters made visible (see `TerminalText`).
  public init(_ transcript: Transcript, name: String) {
    title = TerminalText.visibleLine(transcript.frontMatter["title"].flatMap { $0.isEmpty ? nil : $0 } ?? name)
    summary = TerminalText.visibleLine(transcript.frontMatter["summary"] ?? "")
    seed = transcript.seed
    // Each action at the line it starts on; the prose lines before it are its step's.
    var actions: [(line: Int, action: Action)] =
      transcript.commands.map { ($0.inputLine, .command($0.input)) }
      + transcript.exercises.map { ($0.line, .exercise($0)) }
    actions.sort { $0.line < $1.line }
    var prose = transcript.proseLines[...]
    steps = actions.map { line, action in
      let before = prose.prefix { $0 < line }
      prose = prose.dropFirst(before.count)
      return Step(prose: before.map { TerminalText.visible(transcript.lines[$0]) }, action: action)
    }
    closing = prose.map { TerminalText.visible(transcript.lines[$0]) }
  }
}

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
