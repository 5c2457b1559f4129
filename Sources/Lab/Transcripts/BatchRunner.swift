/// Runs commands without a prompt: `-c`, piped input, scripts (`.vae`) and
/// lessons (`.md`). Output goes to `write`; errors go to `writeError` as
/// `FILE:LINE: error: ...`. Stops at the first failure unless `keepGoing`.
public struct BatchRunner {
  public var engine: Engine
  public var keepGoing: Bool
  public private(set) var failed = false
  public private(set) var quit = false
  let write: (String) -> Void
  let writeError: (String) -> Void

  public init(
    engine: Engine, keepGoing: Bool, write: @escaping (String) -> Void, writeError: @escaping (String) -> Void
  ) {
    self.engine = engine
    self.keepGoing = keepGoing
    self.write = write
    self.writeError = writeError
  }

  /// Whether more input should be run: not after `quit`, not after Ctrl-C (even
  /// with `keepGoing`), and not after a failure unless `keepGoing`.
  public var shouldContinue: Bool { !quit && !engine.session.shouldStop() && (keepGoing || !failed) }

  /// Runs one line of input (`;`-separated statements, `#` comments), line
  /// `number` of `file`, named in errors: `FILE:LINE: error: ...`, or in JSON
  /// mode `{"error": {..., "file": FILE, "line": LINE}}`.
  public mutating func run(line: String, file: String, number: Int) {
    for statement in Tokenizer.statements(line) where shouldContinue {
      let reply = engine.execute(statement)
      if !reply.output.isEmpty { write(reply.output + "\n") }
      if let aside = reply.aside { write("\n" + aside + "\n") }
      if let error = reply.error {
        if reply.isJSON, let json = reply.errorJSON(file: file, line: number) {
          writeError(json + "\n")
        } else {
          writeError("\(file):\(number): error: \(error)\n")
        }
        failed = true
      }
      if reply.shouldQuit { quit = true }
    }
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
    engine = Engine(
      session: try Session.running(
        transcript, files: files, lessons: lessons, shouldStop: engine.session.shouldStop))
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
