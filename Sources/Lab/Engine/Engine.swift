/// The result of one line: what to print, the error if the command failed, and
/// whether the user asked to leave.
public struct Reply: Equatable, Sendable {
  /// Printed output, without a final newline; empty when there is none.
  public var output: String
  public var error: String?
  public var shouldQuit = false
  /// The output as a transcript records it: `output` without terminal colour.
  public var plainOutput: String
  /// The argument the error is about, when it is about one.
  public var errorArgument: String?
  /// Whether the answer is JSON (`format=json` or `set format=json`): then an
  /// error is reported as a JSON object too, see `errorJSON`.
  public var isJSON = false
  /// The command's result as JSON, whatever the format printed; nil after an error.
  public var json: JSON?
  /// Printed after the output but not part of it (a lesson's next step); nil in JSON mode.
  public var aside: String?
  /// A line to type at the next prompt for the user to run or edit (a lesson's next command).
  public var typedAhead: String?
  /// The files the command wrote, with the text of those that are text (an
  /// exported page inlines a figure from here, never from the disk).
  public var filesWritten: [FileAccess.WrittenFile] = []

  public init(
    output: String, error: String? = nil, shouldQuit: Bool = false, plainOutput: String? = nil,
    errorArgument: String? = nil, isJSON: Bool = false
  ) {
    self.output = output
    self.error = error
    self.shouldQuit = shouldQuit
    self.plainOutput = plainOutput ?? output
    self.errorArgument = errorArgument
    self.isJSON = isJSON
  }

  /// The error as one JSON object, `{"error": {"message", "argument", "file", "line"}}`,
  /// for standard error in JSON mode; `line` is null where there is none (the shell's prompt).
  public func errorJSON(file: String?, line: Int?) -> String? {
    error.map { message in
      JSON.object([
        (
          "error",
          .object([
            ("message", .string(message)), ("argument", errorArgument.map(JSON.string) ?? .null),
            ("file", file.map(JSON.string) ?? .null), ("line", line.map(JSON.integer) ?? .null),
          ])
        )
      ]).serialized
    }
  }

  /// The lines a transcript records: the plain output, then `error: ...` if it failed.
  public var transcriptLines: [String] {
    var lines =
      plainOutput.isEmpty ? [] : plainOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // An error may span lines (an expression's, with a caret under the column).
    if let error {
      lines += "error: \(error)".split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    return lines
  }
}

/// The shell engine: takes a line, returns what to print. Every front end (the
/// terminal, pipes, `-c`, scripts, lessons, tests) drives it the same way.
public struct Engine: Sendable {
  public internal(set) var session: Session
  public let commands: [CommandSpec]

  public init(session: Session = Session(), commands: [CommandSpec] = CommandRegistry.standard) {
    self.session = session
    self.session.commands = commands
    self.commands = commands
  }

  /// How replies are shown; a terminal front end updates the width as the window changes.
  public var presentation: Presentation {
    get { session.presentation }
    set { session.presentation = newValue }
  }

  /// Who supplied a line, which decides the rights it runs with.
  public enum LineSource: Sendable {
    /// Typed (or edited) by the user, piped, or given with -c: the user's rights.
    case user
    /// A lesson's: the command a lesson typed ahead, run as it was typed.
    /// While a lesson is taken it runs confined as `vaelab run` confines a
    /// lesson: writes into the lesson's own directory of files, reads from the
    /// lesson's folder and that directory.
    case lesson
  }

  /// Runs one statement (no `;`). Blank lines and comments do nothing.
  /// During a lesson, a step's command moves the lesson on and a command that
  /// answers the exercise at hand is judged (see `Engine+Lessons`).
  public mutating func execute(_ line: String, from source: LineSource = .user) -> Reply {
    if source == .lesson {
      // A line a lesson typed may outlast the lesson (`lesson quit; save x`): what
      // it holds after the lesson ends is not the user's, and does not run.
      guard let entry = session.lessons.playing?.entry else {
        return Reply(
          output: "",
          error:
            "not run: the lesson that typed this line is no longer being taken; type the command yourself to run it with your rights"
        )
      }
      return executeForLesson(line, of: entry)
    }
    var reply = executeStatement(line, recording: true)
    followLesson(after: line, reply: &reply)
    return reply
  }

  /// Runs one statement; with `recording`, counts it and records it in the
  /// notebook (unless its command is never recorded). Without, it is part of
  /// another command (the command an `answer` gives).
  mutating func executeStatement(_ line: String, recording: Bool) -> Reply {
    var reply: Reply
    var isRecorded = true
    var recordedInput: String?
    // An error is JSON when the session's format is, or the line asked for JSON.
    var asksForJSON = session.format == .json
    do {
      let words = try Tokenizer.tokens(line)
      guard !words.isEmpty else { return Reply(output: "") }
      asksForJSON =
        asksForJSON || words.contains { $0.text == "\(Self.formatArgument.name)=\(OutputFormat.json.rawValue)" }
      let (spec, path, arguments) = try resolve(words)
      isRecorded = spec.isRecorded
      (reply, recordedInput) = try run(spec, path: path, words: arguments)
    } catch {
      reply = Reply(output: "", error: error.message, errorArgument: error.argument, isJSON: asksForJSON)
      recordedInput = error.recordedInput
    }
    guard recording else { return reply }
    session.commandsRun += 1
    if isRecorded {
      session.notebook.append(
        NotebookEntry(input: recordedInput ?? line.trimmingBlanks, output: reply.transcriptLines))
    }
    return reply
  }

  /// The command (or subcommand) a line names, its full name, and the remaining words.
  func resolve(_ words: [Token]) throws(LabError) -> (CommandSpec, String, ArraySlice<Token>) {
    let name = words[0].text
    guard let command = Self.find(name, in: commands) else {
      var message = "unknown command '\(name)'"
      if let suggestion = Suggestions.closest(to: name, in: commands.map(\.name)) {
        message += "; did you mean '\(suggestion)'?"
      }
      throw LabError(message + " (type 'help' for the list)")
    }
    guard !command.subcommands.isEmpty else { return (command, command.name, words.dropFirst()) }
    let names = command.subcommands.map(\.name)
    if command.action != nil {
      // `grad sweep ...` runs the subcommand, anything else `grad` itself.
      if words.count > 1, let subcommand = command.subcommand(named: words[1].text) {
        return (subcommand, "\(command.name) \(subcommand.name)", words.dropFirst(2))
      }
      return (command, command.name, words.dropFirst())
    }
    guard words.count > 1 else {
      throw LabError("\(command.name) needs a subcommand: \(names.joined(separator: ", "))")
    }
    guard let subcommand = command.subcommand(named: words[1].text) else {
      var message = "\(command.name) has no subcommand '\(words[1].text)'"
      if let suggestion = Suggestions.closest(to: words[1].text, in: names) {
        message += "; did you mean '\(suggestion)'?"
      }
      throw LabError(message + " (subcommands: \(names.joined(separator: ", ")))")
    }
    return (subcommand, "\(command.name) \(subcommand.name)", words.dropFirst(2))
  }

  static func find(_ name: String, in commands: [CommandSpec]) -> CommandSpec? {
    commands.first { $0.name == name || $0.aliases.contains(name) }
  }

  /// Runs the command; its reply, and what the notebook records as its input if
  /// not the line as typed.
  private mutating func run(_ spec: CommandSpec, path: String, words: ArraySlice<Token>) throws(LabError) -> (
    Reply, String?
  ) {
    // Every command takes format=json|text, unless its spec has its own `format` (as `set` does);
    // without it, the answer takes the session's format after the command (`set format=json`
    // answers in JSON).
    var format: OutputFormat?
    var ownWords: [Token] = []
    let takesFormat = spec.argument(named: Self.formatArgument.name) == nil
    for word in words {
      if takesFormat, let (name, value) = ArgumentBinder.splitNamed(word.text), name == Self.formatArgument.name {
        guard case .text(let chosen) = try ArgumentBinder.parse(value, as: Self.formatArgument),
          let parsed = OutputFormat(rawValue: chosen)
        else { continue }
        format = parsed
      } else {
        ownWords.append(word)
      }
    }
    let arguments = try ArgumentBinder.bind(ownWords, to: spec, commandPath: path)
    guard let action = spec.action else { throw LabError("internal error: \(path) has no action") }
    // All or nothing: Swift writes an `inout` argument back even when the call
    // throws, so the command works on a copy that is kept only when it succeeds.
    // (State behind references, the workbench's model, is changed by commands
    // only on their way to success: see `Session`.)
    var working = session
    let output = try action(&working, arguments)
    let written = working.files.takeWritten()
    session = working
    var reply = reply(from: output, format: format ?? session.format)
    reply.filesWritten = written
    return (reply, output.recordedInput)
  }

  /// How `output` is printed in `format`: text fitted to the presentation, or JSON.
  func reply(from output: Output, format: OutputFormat) -> Reply {
    let plain = format == .json ? output.json.serialized : output.text
    let printed = format == .text ? session.presentation.fitted(output.text(for: session.presentation)) : plain
    var reply = Reply(output: printed, shouldQuit: output.endsSession, plainOutput: plain, isJSON: format == .json)
    reply.json = output.json
    if format == .text { reply.aside = output.aside.map { session.presentation.fitted($0(session.presentation)) } }
    reply.typedAhead = output.typedAhead
    return reply
  }

  static let formatArgument = ArgumentSpec(
    "format", .choice(OutputFormat.allCases.map(\.rawValue)),
    help: "print this result as text or as one JSON object (overrides 'set format')")
}
