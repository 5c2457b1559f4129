/// The result of one line: what to print, the error if the command failed, and
/// whether the user asked to leave.
public struct Reply: Sendable {
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
  /// The command's result, to be rendered for another presentation (a page's
  /// HTML, with tables and figures); nil after an error.
  public var result: Output?
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
    guard let error else { return nil }
    let report = ErrorReport(
      error: ErrorReport.Details(message: error, argument: errorArgument, file: file, line: line))
    return (try? JSONValueEncoder.encode(report))?.serialized
  }

  /// An error as JSON: every key written, `null` where there is nothing to say.
  struct ErrorReport: Encodable {
    struct Details: Encodable {
      var message: String
      @Nullable var argument: String?
      @Nullable var file: String?
      @Nullable var line: Int?
    }
    var error: Details
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
/// terminal, pipes, `-c`, scripts, notebooks, tests) drives it the same way,
/// through `LessonRunner` where lessons may be taken.
public struct Engine: Sendable {
  public internal(set) var session: Session
  /// The commands it knows: what `help` lists and completion offers. A command
  /// without an action here is run by a layer above (the lesson runner's).
  public let commands: [CommandSpec]

  public init(session: Session = Session(), commands: [CommandSpec] = CommandRegistry.standard) {
    self.session = session
    self.commands = commands
  }

  /// How replies are shown; a terminal front end updates the width as the window changes.
  public var presentation: Presentation {
    get { session.presentation }
    set { session.presentation = newValue }
  }

  /// Runs one statement (no `;`), counts it and records it in the notebook
  /// (unless its command is never recorded). Blank lines and comments do nothing.
  public mutating func execute(_ line: String) -> Reply {
    executeStatement(line, recording: true)
  }

  /// Runs one statement; with `recording`, counts it and records it in the
  /// notebook. Without, it is part of another command (the command an
  /// `answer` gives).
  mutating func executeStatement(_ line: String, recording: Bool) -> Reply {
    let reply: Reply
    var isRecorded = true
    do {
      let words = try Tokenizer.tokens(line)
      guard !words.isEmpty else { return Reply(output: "") }
      let (spec, path, rest) = try resolve(words)
      // Known once the command is: a `save` with bad arguments is not recorded either.
      isRecorded = spec.isRecorded
      reply = try run(try bind(rest, to: spec, path: path))
    } catch {
      reply = errorReply(error, to: line)
    }
    if recording { record(line.trimmingBlanks, reply, isRecorded: isRecorded) }
    return reply
  }

  /// Counts a statement that ran and, if its command is recorded, puts it in
  /// the notebook as `input` with what it printed.
  mutating func record(_ input: String, _ reply: Reply, isRecorded: Bool) {
    session.commandsRun += 1
    if isRecorded { session.notebook.append(NotebookEntry(input: input, output: reply.transcriptLines)) }
  }

  /// The reply to a statement that failed with `error`: JSON when the
  /// session's format is, or the line asked for JSON.
  func errorReply(_ error: LabError, to line: String) -> Reply {
    let asksForJSON =
      session.format == .json
      || ((try? Tokenizer.tokens(line))?.contains {
        $0.text == "\(Self.formatArgument.name)=\(OutputFormat.json.rawValue)"
      } ?? false)
    return Reply(output: "", error: error.message, errorArgument: error.argument, isJSON: asksForJSON)
  }

  /// A statement resolved to its command and bound to its arguments.
  struct Statement {
    var spec: CommandSpec
    /// The command's full name (`vae step`).
    var path: String
    var arguments: BoundArguments
    /// The format the line asked for (`format=json`), over the session's.
    var format: OutputFormat?
  }

  /// The statement `line` makes, or nil for a blank line or a comment.
  func parse(_ line: String) throws(LabError) -> Statement? {
    let words = try Tokenizer.tokens(line)
    guard !words.isEmpty else { return nil }
    let (spec, path, rest) = try resolve(words)
    return try bind(rest, to: spec, path: path)
  }

  /// The words after a command's name bound to its arguments.
  func bind(_ rest: ArraySlice<Token>, to spec: CommandSpec, path: String) throws(LabError) -> Statement {
    // Every command takes format=json|text, unless its spec has its own `format` (as `set` does);
    // without it, the answer takes the session's format after the command (`set format=json`
    // answers in JSON).
    var format: OutputFormat?
    var ownWords: [Token] = []
    let takesFormat = spec.argument(named: Self.formatArgument.name) == nil
    for word in rest {
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
    return Statement(spec: spec, path: path, arguments: arguments, format: format)
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
    if command.runs {
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

  /// Runs the statement's command on a copy of the session, kept only when it succeeds.
  private mutating func run(_ statement: Statement) throws(LabError) -> Reply {
    guard let action = statement.spec.action else {
      throw LabError("'\(statement.path)' is not a command here: it is taken with lessons, in the shell")
    }
    // All or nothing: Swift writes an `inout` argument back even when the call
    // throws, so the command works on a copy that is kept only when it succeeds.
    // (State behind references, the workbench's model, is changed by commands
    // only on their way to success: see `Session`.)
    var working = session
    let output = try action(&working, statement.arguments)
    let written = working.files.takeWritten()
    // The reply reads the session as the command left it (`set format=json`
    // answers in JSON); a result that cannot be shown leaves it as it was.
    let previous = session
    session = working
    do {
      var reply = try reply(from: output, format: statement.format ?? session.format)
      reply.filesWritten = written
      return reply
    } catch {
      session = previous
      throw error
    }
  }

  /// How `output` is printed in `format`: text fitted to the presentation, or JSON.
  func reply(from output: Output, format: OutputFormat) throws(LabError) -> Reply {
    let json = try output.json(for: session.presentation)
    let plain = format == .json ? json.serialized : output.text(for: session.presentation.plainText)
    let printed = format == .text ? session.presentation.fitted(output.text(for: session.presentation)) : plain
    var reply = Reply(output: printed, shouldQuit: output.endsSession, plainOutput: plain, isJSON: format == .json)
    reply.json = json
    reply.result = output
    return reply
  }

  static let formatArgument = ArgumentSpec(
    "format", .choice(OutputFormat.allCases.map(\.rawValue)),
    help: "print this result as text or as one JSON object (overrides 'set format')")
}
