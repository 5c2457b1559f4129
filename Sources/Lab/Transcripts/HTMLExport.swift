/// `vaelab export`: a lesson or saved notebook as one self-contained HTML page
/// for a browser, offline: the prose (a Markdown subset: headings,
/// paragraphs, lists, code, bold and links), each command with its result as
/// it renders now for a page (`HTMLRendering`: text, tables as tables, figures
/// as inline SVG, and any other SVG the command wrote with `svg=`), and each
/// exercise with its hints and solution in collapsible sections (or the
/// solutions left out). Nothing is fetched: the page holds its style and its
/// figures.
///
/// A lesson is someone else's file, and a page runs in a browser, so:
/// - a figure is a result's own drawing, or the text a command wrote, kept in
///   memory as it was written (`Reply.filesWritten`), never a file read back
///   from the disk, where a lesson's folder could hold a file of the same name;
/// - a figure is inlined only as `SVGSanitizer` rewrites it (drawing elements
///   and attributes only: no script, event handler, foreignObject or link);
/// - the page carries a Content-Security-Policy that forbids every script and
///   every load from outside the page (`contentSecurityPolicy`), so an escape
///   that was missed still cannot run or call home.
/// `--trust` changes only where the lesson's commands may read and write; the
/// page is built the same way.
public enum HTMLExport {
  /// A command as run for the page: its result as HTML (text, tables,
  /// figures), or what it printed where it failed.
  struct Ran {
    var input: String
    var html: String
  }

  /// The page's policy: nothing loads or runs but the page's own inline style
  /// and `data:` images; no form, no frame, no base URL.
  static let contentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

  /// Runs `transcript`'s commands in one fresh session of its seed, reading and
  /// writing files as `files` allows (a notebook saved during lessons judging
  /// its answers against `lessons`), and renders the page.
  public static func page(
    _ transcript: Transcript, files: FileAccess, solutions: Bool, lessons: LessonCatalog? = nil,
    shouldStop: @escaping @Sendable () -> Bool = { false }
  ) throws(LabError) -> String {
    var runner = try LessonRunner.running(transcript, files: files, lessons: lessons, shouldStop: shouldStop)
    var ran: [Int: Ran] = [:]
    for command in transcript.commands {
      let replies = Tokenizer.statements(command.input).map { runner.execute($0).reply }
      ran[command.inputLine] = Ran(
        input: command.input, html: replies.map { html(of: $0, for: runner.presentation) }.joined())
    }
    return render(transcript, ran: ran, solutions: solutions)
  }

  /// What a statement gave, as HTML: its result's blocks (tables as tables,
  /// figures as SVG), then any other figure it wrote (an SVG file it wrote that
  /// is not one of its figures); its error, or a JSON answer, as printed.
  static func html(of reply: Reply, for presentation: Presentation) -> String {
    guard reply.error == nil, !reply.isJSON, let result = reply.result else {
      let lines = reply.transcriptLines
      return lines.isEmpty ? "" : "<pre class=\"output\">" + lines.map(escaped).joined(separator: "\n") + "</pre>"
    }
    let blocks = result.blocks(presentation)
    let drawn = Set(
      blocks.compactMap { block -> String? in
        if case .figure(let figure) = block { figure.svg() } else { nil }
      })
    let written = reply.filesWritten.compactMap { file in
      file.text.flatMap { drawn.contains($0) ? nil : SVGSanitizer.sanitized($0) }
    }
    return HTMLRendering.html(blocks, for: presentation) + written.map { "<figure>\($0)</figure>" }.joined()
  }

  static func render(_ transcript: Transcript, ran: [Int: Ran], solutions: Bool) -> String {
    let title = transcript.frontMatter["title"] ?? "vaelab lesson"
    var body: [String] = []
    var markdown = MarkdownBlocks()
    let lines = transcript.lines
    var index = 0
    if lines.first == "---", let end = lines.dropFirst().firstIndex(of: "---") { index = end + 1 }
    while index < lines.count {
      let trimmed = lines[index].trimmingBlanks
      guard trimmed.hasPrefix("```") else {
        body += markdown.add(lines[index])
        index += 1
        continue
      }
      body += markdown.finish()
      let end = Transcript.closingFence(in: lines, after: index) ?? lines.count
      if trimmed == Exercise.fence, let exercise = transcript.exercises.first(where: { $0.line == index }) {
        body.append(render(exercise, solutions: solutions))
      } else if trimmed == Transcript.fence {
        for result in (index..<end).compactMap({ ran[$0] }) {
          body.append(
            "<pre class=\"command\"><span class=\"prompt\">&gt; </span><b>\(escaped(result.input))</b></pre>"
              + result.html)
        }
      } else {
        // Any other fenced block: shown as it is written.
        body.append("<pre>" + lines[(index + 1)..<end].map(escaped).joined(separator: "\n") + "</pre>")
      }
      index = end + 1
    }
    body += markdown.finish()
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escaped(title))</title>
      <style>
      body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; background: #fdfdfc; color: #1d1d1f; }
      main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
      pre { background: #f3f3f1; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; line-height: 1.25; }
      pre.command { margin-bottom: 0; }
      pre.command .prompt { color: #888; }
      pre.output { margin-top: 0; background: #fafaf8; }
      table.result { border-collapse: collapse; margin: 0 0 1rem; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
      table.result th, table.result td { padding: 0.15rem 0.6rem; border-bottom: 1px solid #e4e4e0; text-align: left; }
      table.result .number { text-align: right; }
      table.result tr.left-out td { color: #666; font-style: italic; }
      code { background: #f3f3f1; padding: 0 0.2rem; }
      figure { margin: 1rem 0; }
      figure svg { max-width: 100%; height: auto; }
      section.exercise { border-left: 4px solid #4a7; padding: 0.25rem 1rem; margin: 1.5rem 0; background: #f5faf6; }
      ul.options { list-style: none; padding-left: 1rem; }
      details { margin: 0.5rem 0; }
      summary { cursor: pointer; font-weight: 600; }
      </style>
      </head>
      <body>
      <main>
      \(body.joined(separator: "\n"))
      </main>
      </body>
      </html>

      """
  }

  static func render(_ exercise: Exercise, solutions: Bool) -> String {
    var html = [
      "<section class=\"exercise\" id=\"exercise-\(escaped(exercise.id))\">",
      "<p><b>Exercise</b> (\(kindName(exercise.kind))): \(inline(exercise.question))</p>",
    ]
    if case .choice(let options, _) = exercise.kind {
      html.append(
        "<ul class=\"options\">" + options.map { "<li><b>\(escaped($0.letter))</b>: \(inline($0.text))</li>" }.joined()
          + "</ul>")
    }
    for (number, hint) in exercise.hints.enumerated() {
      html.append("<details><summary>Hint \(number + 1)</summary><p>\(inline(hint))</p></details>")
    }
    if solutions {
      var answer: [String] = []
      if let solution = exercise.solution { answer.append("<p>\(inline(solution))</p>") }
      if let explanation = exercise.explanation { answer.append("<p>\(inline(explanation))</p>") }
      if !answer.isEmpty {
        html.append("<details><summary>Solution</summary>\(answer.joined())</details>")
      }
    }
    html.append("</section>")
    return html.joined(separator: "\n")
  }

  static func kindName(_ kind: Exercise.Kind) -> String {
    switch kind {
    case .number: "a number"
    case .choice: "choose one"
    case .command: "a command"
    }
  }

  /// `&`, `<`, `>` and `"` as HTML entities. Read by Unicode scalar, not by
  /// Character: a `<` followed by a combining mark is one Character, `<` and
  /// all, and would slip past a comparison with "<".
  static func escaped(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;".unicodeScalars
      case "<": result += "&lt;".unicodeScalars
      case ">": result += "&gt;".unicodeScalars
      case "\"": result += "&quot;".unicodeScalars
      default: result.append(scalar)
      }
    }
    return String(result)
  }

  /// Inline Markdown on escaped text: `code`, **bold**, [text](url) (http, https
  /// or a relative link; anything else is left as text).
  static func inline(_ text: String) -> String {
    var result = ""
    var rest = Substring(text)
    while let first = rest.first {
      if first == "`", let close = rest.dropFirst().firstIndex(of: "`") {
        result += "<code>" + escaped(String(rest[rest.index(after: rest.startIndex)..<close])) + "</code>"
        rest = rest[rest.index(after: close)...]
      } else if rest.hasPrefix("**"), let close = rest.dropFirst(2).range(of: "**") {
        result += "<b>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<close.lowerBound])) + "</b>"
        rest = rest[close.upperBound...]
      } else if first == "[", let middle = rest.range(of: "]("),
        let close = rest[middle.upperBound...].firstIndex(of: ")"),
        !rest[rest.index(after: rest.startIndex)..<middle.lowerBound].contains("]")
      {
        let label = String(rest[rest.index(after: rest.startIndex)..<middle.lowerBound])
        let target = String(rest[middle.upperBound..<close])
        let safe = target.hasPrefix("https://") || target.hasPrefix("http://") || !target.contains(":")
        result += safe ? "<a href=\"\(escaped(target))\">\(inline(label))</a>" : escaped("[\(label)](\(target))")
        rest = rest[rest.index(after: close)...]
      } else {
        result += escaped(String(first))
        rest = rest.dropFirst()
      }
    }
    return result
  }
}

/// Markdown prose, a line at a time, as HTML blocks: `#` headings, paragraphs,
/// `-` and `1.` lists (continued by indented lines), and code indented by four
/// spaces. Each call returns the blocks the line completed.
struct MarkdownBlocks {
  enum Open {
    case none
    case paragraph([String])
    case list(ordered: Bool, items: [[String]])
    case code([String])
  }
  var open = Open.none

  mutating func add(_ line: String) -> [String] {
    let trimmed = line.trimmingBlanks
    if trimmed.isEmpty {
      // A blank line ends a paragraph; a list or a code block may go on after it.
      if case .paragraph = open { return finish() }
      if case .code(var lines) = open {
        lines.append("")
        open = .code(lines)
      }
      return []
    }
    if line.hasPrefix("    "), case .list = open {
      // An indented line continues the list's last item.
    } else if line.hasPrefix("    ") {
      if case .code(var lines) = open {
        lines.append(String(line.dropFirst(4)))
        open = .code(lines)
        return []
      }
      let done = finish()
      open = .code([String(line.dropFirst(4))])
      return done
    }
    if let level = Self.headingLevel(trimmed) {
      let done = finish()
      let text = trimmed.drop { $0 == "#" }.trimmingBlanks
      return done + ["<h\(level)>\(HTMLExport.inline(text))</h\(level)>"]
    }
    if let (ordered, text) = Self.listItem(trimmed) {
      if case .list(let isOrdered, var items) = open, isOrdered == ordered {
        items.append([text])
        open = .list(ordered: ordered, items: items)
        return []
      }
      let done = finish()
      open = .list(ordered: ordered, items: [[text]])
      return done
    }
    switch open {
    case .list(let ordered, var items) where line.first?.isWhitespace == true:
      items[items.count - 1].append(trimmed)
      open = .list(ordered: ordered, items: items)
      return []
    case .paragraph(var lines):
      lines.append(trimmed)
      open = .paragraph(lines)
      return []
    default:
      let done = finish()
      open = .paragraph([trimmed])
      return done
    }
  }

  /// The block still open, closed.
  mutating func finish() -> [String] {
    defer { open = .none }
    switch open {
    case .none: return []
    case .paragraph(let lines): return ["<p>\(HTMLExport.inline(lines.joined(separator: " ")))</p>"]
    case .list(let ordered, let items):
      let tag = ordered ? "ol" : "ul"
      let rendered = items.map { "<li>\(HTMLExport.inline($0.joined(separator: " ")))</li>" }.joined()
      return ["<\(tag)>\(rendered)</\(tag)>"]
    case .code(let lines):
      let body = lines.reversed().drop { $0.isEmpty }.reversed().map(HTMLExport.escaped).joined(separator: "\n")
      return ["<pre>\(body)</pre>"]
    }
  }

  /// 1 to 6 for a `#` heading line.
  static func headingLevel(_ line: String) -> Int? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
    return hashes
  }

  /// A list item's kind and text: `- text`, `* text` or `12. text`.
  static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
    if line.hasPrefix("- ") || line.hasPrefix("* ") { return (false, String(line.dropFirst(2))) }
    let digits = line.prefix { $0.isNumber }
    guard !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") else { return nil }
    return (true, String(line.dropFirst(digits.count + 2)))
  }
}
