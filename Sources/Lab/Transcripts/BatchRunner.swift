/// Runs commands without a prompt: `-c`, piped input, scripts (`.vae`) and
/// lessons (`.md`). Output goes to `write`; errors go to `writeError` as
/// `FILE:LINE: error: ...`. Stops at the first failure unless `keepGoing`.
public struct BatchRunner {
  public var runner: LessonRunner
  public var keepGoing: Bool
  public private(set) var failed = false
  public private(set) var quit = false
  let write: (String) -> Void
  let writeError: (String) -> Void

  public init(
    runner: LessonRunner, keepGoing: Bool, write: @escaping (String) -> Void,
    writeError: @escaping (String) -> Void
  ) {
    self.runner = runner
    self.keepGoing = keepGoing
    self.write = write
    self.writeError = writeError
  }

  /// Whether a Ctrl-C has been reported, by the command it interrupted or at
  /// the command during which it arrived: the front end reports one that
  /// arrives between commands (while input is read) only when this is false.
  public private(set) var interruptReported = false

  /// Whether more input should be run: not after `quit`, not after Ctrl-C (even
  /// with `keepGoing`), and not after a failure unless `keepGoing`.
  public var shouldContinue: Bool {
    !quit && !interruptReported && !runner.session.shouldStop() && (keepGoing || !failed)
  }

  /// Runs one line of input (`;`-separated statements, `#` comments), line
  /// `number` of `file`, named in errors: `FILE:LINE: error: ...`, or in JSON
  /// mode `{"error": {..., "file": FILE, "line": LINE}}`.
  ///
  /// A Ctrl-C that arrives during a statement belongs to it: a command that
  /// stops reports it as its error; one that finished without asking (or
  /// after it last asked) keeps its result, and the interrupt is reported at
  /// its line, not left pending to be blamed on the next line.
  public mutating func run(line: String, file: String, number: Int) {
    for statement in Tokenizer.statements(line) where shouldContinue {
      let reply = runner.execute(statement)
      if !reply.output.isEmpty { write(reply.output + "\n") }
      if let aside = reply.aside { write("\n" + aside + "\n") }
      report(reply.reply, file: file, number: number)
      if runner.session.shouldStop() {
        if reply.error == nil {
          report(
            Reply(
              output: "",
              error: "interrupted (Ctrl-C) as this command finished: its result stands, and nothing after it is run",
              isJSON: reply.isJSON), file: file, number: number)
        }
        interruptReported = true
      }
      if reply.shouldQuit { quit = true }
    }
  }

  /// Writes `reply`'s error, if any, as `FILE:LINE: error: ...` (or JSON), and
  /// counts the run as failed.
  private mutating func report(_ reply: Reply, file: String, number: Int) {
    guard let error = reply.error else { return }
    if reply.isJSON, let json = reply.errorJSON(file: file, line: number) {
      writeError(json + "\n")
    } else {
      writeError("\(file):\(number): error: \(error)\n")
    }
    failed = true
  }

  /// A script: one command a line, `#` comments.
  public mutating func run(script text: String, name: String) {
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where shouldContinue {
      run(line: String(line), file: name, number: index + 1)
    }
  }

  /// A lesson or notebook: its prose as written, then each command (`> cmd`) and
  /// what it prints now, in file order, in a fresh session seeded as the file says
  /// and reading and writing files as `files` allows (as `vaelab check` runs it).
  public mutating func run(transcript: Transcript, name: String, files: FileAccess, lessons: LessonCatalog? = nil)
    throws(LabError)
  {
    runner = try LessonRunner.running(
      transcript, files: files, lessons: lessons, shouldStop: runner.session.shouldStop)
    var commands = transcript.commands[...]
    var prose = transcript.proseLines[...]
    while shouldContinue, !(commands.isEmpty && prose.isEmpty) {
      if let line = prose.first, line < (commands.first?.inputLine ?? Int.max) {
        write(transcript.lines[line] + "\n")
        prose = prose.dropFirst()
      } else if let command = commands.first {
        write(Transcript.prompt + command.input + "\n")
        run(line: command.input, file: name, number: command.inputLine + 1)
        commands = commands.dropFirst()
      }
    }
  }
}
