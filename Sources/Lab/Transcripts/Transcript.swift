/// A lesson or saved notebook: Markdown with optional front matter and fenced
/// `vaelab` blocks holding commands and the output each must produce.
///
///     ---
///     title: KL anchors
///     seed: 0
///     ---
///     Prose for the reader.
///
///     ```vaelab
///     > kl 2 1
///     KL(q || p) for q = N(2, 1^2), p = N(0, 1):
///     ...
///     ```
///
/// Inside a block, a line starting with `> ` is a command; the lines after it, up
/// to the next command or the closing fence, are its expected output.
public struct Transcript: Sendable {
  public struct Command: Sendable, Equatable {
    public var input: String
    /// 0-based index of the `> ` line in `lines`.
    public var inputLine: Int
    public var expected: [String]
    /// The blanks before the block's fence (a block inside a list item), removed
    /// from each line of the block and restored when it is rewritten.
    public var indentation: String
  }

  /// The name it was read by, for messages.
  public let name: String
  /// The file's lines, as read.
  public var lines: [String]
  public var frontMatter: [String: String]
  public var commands: [Command]
  /// The exercises (```exercise blocks), in order.
  public var exercises: [Exercise]
  /// Indexes of lines that are prose (outside front matter and blocks).
  public var proseLines: [Int]

  public static let fence = "```vaelab"
  public static let prompt = "> "

  /// The session seed the file asks for (`seed:` in the front matter), else 0.
  public var seed: UInt64 { frontMatter["seed"].flatMap { UInt64($0) } ?? 0 }

  public init(parsing text: String, name: String) throws(LabError) {
    self.name = name
    lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    frontMatter = [:]
    commands = []
    exercises = []
    proseLines = []
    var index = 0
    if lines.first == "---" {
      guard let end = lines.dropFirst().firstIndex(of: "---") else {
        throw LabError("\(name):1: front matter starting with '---' is never closed by a '---' line")
      }
      for line in lines[1..<end] {
        guard let colon = line.firstIndex(of: ":") else { continue }
        frontMatter[line[..<colon].trimmingBlanks] = line[line.index(after: colon)...].trimmingBlanks
      }
      // The range the seed command accepts.
      if let seed = frontMatter["seed"], (UInt64(seed) ?? .max) > UInt64(Int.max) {
        throw LabError("\(name): seed '\(seed)' in the front matter must be a whole number from 0 to \(Int.max)")
      }
      index = end + 1
    }
    while index < lines.count {
      if lines[index].trimmingBlanks == Exercise.fence {
        let opening = index
        guard let end = Self.closingFence(in: lines, after: index) else {
          throw LabError("\(name):\(opening + 1): the ```exercise block is never closed by a ``` line")
        }
        let exercise = try Exercise(block: Array(lines[(index + 1)..<end]), line: opening, name: name)
        if exercises.contains(where: { $0.id == exercise.id }) {
          throw LabError("\(name):\(opening + 1): a second exercise with the id '\(exercise.id)'")
        }
        exercises.append(exercise)
        index = end + 1
        continue
      }
      guard lines[index].trimmingBlanks == Self.fence else {
        proseLines.append(index)
        index += 1
        continue
      }
      let opening = index
      let indentation = String(lines[index].prefix(while: \.isWhitespace))
      index += 1
      var current: Command? = nil
      while index < lines.count && lines[index].trimmingBlanks != "```" {
        let line =
          lines[index].hasPrefix(indentation) ? String(lines[index].dropFirst(indentation.count)) : lines[index]
        if line.hasPrefix(Self.prompt) || line == ">" {
          if let finished = current { commands.append(finished) }
          current = Command(
            input: String(line.dropFirst(min(2, line.count))), inputLine: index, expected: [], indentation: indentation)
        } else if current == nil {
          if !line.trimmingBlanks.isEmpty {
            throw LabError("\(name):\(index + 1): output before any '> ' command in the block")
          }
        } else {
          current?.expected.append(line)
        }
        index += 1
      }
      guard index < lines.count else {
        throw LabError("\(name):\(opening + 1): the ```vaelab block is never closed by a ``` line")
      }
      if let finished = current { commands.append(finished) }
      index += 1
    }
  }

  /// The line of the ``` that closes the block opened at `opening`, if any.
  static func closingFence(in lines: [String], after opening: Int) -> Int? {
    lines[(opening + 1)...].firstIndex { $0.trimmingBlanks == "```" }
  }

  /// The file with each command's expected output replaced by `outputs[i]`
  /// (for `check --update`), everything else kept as it was. Each output line
  /// is written as `escapedOutputLine` writes it, so that no output, whatever a
  /// command printed, can end its block or start a command in the file.
  public func replacingExpectedOutputs(with outputs: [[String]]) -> String {
    var result: [String] = []
    var index = 0
    for (command, output) in zip(commands, outputs) {
      result += lines[index...command.inputLine]
      result += output.map(Self.escapedOutputLine).map { $0.isEmpty ? $0 : command.indentation + $0 }
      index = command.inputLine + 1 + command.expected.count
    }
    result += lines[min(index, lines.count)...]
    return result.joined(separator: "\n") + "\n"
  }

  /// An output line as `check --update` writes it into a block, read back by
  /// `OutputMatcher` as matching the same line (O(n) in its length):
  ///
  /// - a line break inside the line (`\r`, `\r\n`, and the other characters
  ///   Swift calls newlines) becomes a blank, which the matcher reads as any
  ///   run of blanks, as it read the break;
  /// - a line starting with `>` (a command line is `> ` or `>`) gets one blank
  ///   before it, which the matcher ignores as it ignores leading blanks;
  /// - a line of three or more backticks, with blanks around (a fence, which
  ///   would close the block here or in a Markdown viewer), is written as
  ///   `...` and the backticks: it then matches any line ending in them, the
  ///   one case where the rewritten expectation is looser than the output.
  ///
  /// Lines the parser read as output are already neither (a longer fence aside),
  /// so a rewrite keeps them as they were.
  static func escapedOutputLine(_ line: String) -> String {
    let unbroken = line.contains(where: \.isNewline) ? String(line.map { $0.isNewline ? " " : $0 }) : line
    let trimmed = unbroken.trimmingBlanks
    if trimmed.count >= 3 && trimmed.allSatisfy({ $0 == "`" }) { return "..." + trimmed }
    return unbroken.first == ">" ? " " + unbroken : unbroken
  }

  /// A session as a checkable notebook: front matter with the session's starting
  /// seed, then what `preface` adds, and one block of every recorded command
  /// with what it printed, each line written as `escapedOutputLine` writes it
  /// (as `check --update` does).
  public static func notebook(
    _ entries: [NotebookEntry], seed: UInt64 = 0, preface: NotebookPreface = NotebookPreface()
  ) -> String {
    var lines = ["---", "title: vaelab session", "seed: \(seed)"]
    lines += preface.frontMatter.map { "\($0.key): \($0.value)" }
    lines += ["---", ""] + preface.prose
    lines.append(fence)
    for entry in entries {
      lines.append(prompt + entry.input)
      lines += entry.output.map(escapedOutputLine)
    }
    lines.append("```")
    return lines.joined(separator: "\n") + "\n"
  }
}

/// What a saved notebook states besides its commands and seed: lines of front
/// matter and prose before the commands (a session that took lessons names them
/// and says how each exercise went, see `LessonDesk.notebookPreface`).
public struct NotebookPreface: Sendable {
  public var frontMatter: [(key: String, value: String)] = []
  /// Lines of Markdown, each paragraph followed by a blank line.
  public var prose: [String] = []

  public init(frontMatter: [(key: String, value: String)] = [], prose: [String] = []) {
    self.frontMatter = frontMatter
    self.prose = prose
  }
}
