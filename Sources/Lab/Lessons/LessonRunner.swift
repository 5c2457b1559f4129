/// A shell session in which lessons are taken: it wraps an `Engine`, runs the
/// lesson commands itself (`LessonCommands`: `lesson`, `next`, `answer`, ...),
/// feeds every other command to the engine, reads its result, judges the
/// exercise at hand and moves the lesson on. The engine knows nothing of
/// lessons; every front end (the terminal, pipes, `vaelab run`, `check`,
/// `export`) drives a runner.
public struct LessonRunner: Sendable {
  public internal(set) var engine: Engine
  /// The lessons: the catalog, progress, and the lesson being taken.
  public internal(set) var desk: LessonDesk

  /// A runner of `session` with the shell's commands (`CommandRegistry.withLessons`).
  public init(session: Session = Session(), desk: LessonDesk = LessonDesk()) {
    engine = Engine(session: session, commands: CommandRegistry.withLessons)
    self.desk = desk
  }

  /// A fresh runner for running or checking `transcript`: seeded as its front
  /// matter says, reading and writing as `files` allows. A notebook saved
  /// while taking lessons names them (`lesson: 01-kl-anchors`): its answers are
  /// judged against those lessons' exercises, and it reads their data files.
  public static func running(
    _ transcript: Transcript, files: FileAccess, lessons catalog: LessonCatalog?,
    shouldStop: @escaping @Sendable () -> Bool
  ) throws(LabError) -> LessonRunner {
    let session = Session(seed: transcript.seed, files: files, shouldStop: shouldStop)
    let names = transcript.lessonNames
    guard !names.isEmpty else { return LessonRunner(session: session) }
    guard let catalog else {
      throw LabError(
        "\(transcript.name) was saved while taking lessons (\(names.joined(separator: ", "))), and no lessons directory was found to judge its answers against; set VAELAB_LESSONS"
      )
    }
    for name in names where !catalog.entries.contains(where: { $0.name == name }) {
      throw LabError("\(transcript.name) was saved while taking lesson '\(name)', which is not in \(catalog.directory)")
    }
    var runner = LessonRunner(session: session, desk: LessonDesk(catalog: catalog))
    runner.desk.context = names
    runner.engine.session.files = files.readingAlso(from: catalog.directory)
    return runner
  }

  public var session: Session { engine.session }

  /// How replies are shown; a terminal front end updates the width as the window changes.
  public var presentation: Presentation {
    get { engine.presentation }
    set { engine.presentation = newValue }
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

  /// Runs one statement (no `;`). Blank lines and comments do nothing. While
  /// a lesson is taken, a step's command moves the lesson on and a command
  /// that answers the exercise at hand is judged (see `followLesson`).
  public mutating func execute(_ line: String, from source: LineSource = .user) -> LessonReply {
    guard source == .lesson else {
      var reply = executeStatement(line, recording: true)
      followLesson(after: line, reply: &reply)
      return reply
    }
    // A line a lesson typed may outlast the lesson (`lesson quit; save x`): what
    // it holds after the lesson ends is not the user's, and does not run.
    guard let entry = desk.playing?.entry else {
      return LessonReply(
        Reply(
          output: "",
          error:
            "not run: the lesson that typed this line is no longer being taken; type the command yourself to run it with your rights"
        ))
    }
    return executeForLesson(line, of: entry)
  }

  /// Runs one statement: a lesson command here, any other in the engine; with
  /// `recording`, counts it and records it in the notebook.
  mutating func executeStatement(_ line: String, recording: Bool) -> LessonReply {
    defer { engine.session.notebookPreface = desk.notebookPreface }
    guard let path = commandPath(of: line), let command = LessonCommands.named[path] else {
      return LessonReply(engine.executeStatement(line, recording: recording))
    }
    var result: LessonReply
    var recordedInput: String?
    do {
      guard let statement = try engine.parse(line) else { return LessonReply(Reply(output: "")) }
      // All or nothing, as in the engine: the command works on a copy of the runner.
      var working = self
      let output = try command.run(&working, statement.arguments)
      let format = statement.format ?? working.engine.session.format
      // A result that cannot be shown leaves the runner as it was.
      result = LessonReply(try working.engine.reply(from: output.result, format: format))
      self = working
      if format == .text, let next = output.next {
        result.aside = presentation.fitted(next.text(for: presentation))
      }
      result.typedAhead = output.typedAhead
      recordedInput = output.recordedInput
    } catch {
      result = LessonReply(engine.errorReply(error, to: line))
      recordedInput = error.recordedInput
    }
    if recording {
      let input = recordedInput.map { withFormat($0, of: result.reply) } ?? line.trimmingBlanks
      engine.record(input, result.reply, isRecorded: command.spec.isRecorded)
    }
    return result
  }

  /// Runs `line`, a command `entry` supplied, with the lesson's own files (see
  /// `LessonDesk.files(for:)`) in place of the user's, which come back after it;
  /// the user may then also read what the lesson wrote. A note before the
  /// lesson's next step says where the files it wrote went.
  mutating func executeForLesson(_ line: String, of entry: LessonCatalog.Entry) -> LessonReply {
    let userFiles = engine.session.files
    let lessonFiles: FileAccess
    do { lessonFiles = try desk.files(for: entry) } catch {
      return LessonReply(Reply(output: "", error: error.message))
    }
    engine.session.files = lessonFiles
    var reply = executeStatement(line, recording: true)
    engine.session.files = userFiles
    if let scratch = lessonFiles.scratchDirectory { engine.session.files = userFiles.readingAlso(from: scratch) }
    followLesson(after: line, reply: &reply)
    if let scratch = lessonFiles.scratchDirectory, !reply.filesWritten.isEmpty, !reply.isJSON {
      let note = presentation.fitted(Self.lessonFilesNote(reply.filesWritten.map(\.path), in: scratch))
      reply.aside = [note, reply.aside].compactMap { $0 }.joined(separator: "\n\n")
    }
    return reply
  }

  /// Where a lesson's command wrote its files.
  static func lessonFilesNote(_ paths: [String], in scratch: String) -> String {
    let names = paths.joined(separator: ", ")
    return
      "(The lesson's command wrote \(names) into \(scratch)/: a command a lesson types runs with the lesson's rights, writing only there; a command you type or edit writes where you say.)"
  }

  /// After a statement ran, while a lesson is taken: a command of the current
  /// step's kind (the one typed for the student, or an edit of it) completes
  /// the step and shows the next; at a command exercise, a command of its kind
  /// whose result has the value the check reads is an answer, judged at once
  /// and recorded as `answer ID "COMMAND"`. Other commands are exploring and
  /// leave the lesson where it is.
  mutating func followLesson(after line: String, reply: inout LessonReply) {
    guard let action = desk.currentAction else { return }
    // A bare answer at an exercise that takes one is most likely meant for it.
    if let error = reply.error, case .exercise(let exercise) = action, !exercise.isCommand,
      error.hasPrefix("unknown command"), let words = try? Tokenizer.tokens(line), words.count == 1
    {
      reply.reply.error = "\(error); to answer the exercise, type: answer \(words[0].text)"
      return
    }
    guard reply.error == nil, let path = commandPath(of: line) else { return }
    switch action {
    case .command(let command):
      guard commandPath(of: command) == path, let notes = try? desk.move(by: 1),
        let view = try? LessonCommands.view(of: desk, notes: notes)
      else { return }
      if !reply.isJSON { reply.aside = presentation.fitted(view.text(for: presentation)) }
      reply.typedAhead = view.typedAhead
    case .exercise(let exercise):
      let input = line.trimmingBlanks
      guard case .command(let name, let check) = exercise.kind, Exercise.command(path, isA: name),
        let json = reply.json, check.path.number(in: json) != nil,
        let lesson = desk.playing?.entry.name,
        let output = try? LessonCommands.judge(input, to: exercise, of: lesson, commandReply: reply.reply, in: &desk)
      else { return }
      let format: OutputFormat = reply.isJSON ? .json : .text
      do { reply = LessonReply(try engine.reply(from: output.result, format: format)) } catch {
        reply = LessonReply(engine.errorReply(error, to: line))
      }
      if format == .text, let next = output.next { reply.aside = presentation.fitted(next.text(for: presentation)) }
      reply.typedAhead = output.typedAhead
      engine.session.notebookPreface = desk.notebookPreface
      if engine.session.notebook.last?.input == input {
        engine.session.notebook[engine.session.notebook.count - 1] = NotebookEntry(
          input: output.recordedInput.map { withFormat($0, of: reply.reply) } ?? input,
          output: reply.reply.transcriptLines)
      }
    }
  }

  /// `input`, a form recorded in place of the line as typed (`answer ID "..."`),
  /// with the format the line asked for where it is not the session's, so that
  /// it replays in the format it was recorded in.
  func withFormat(_ input: String, of reply: Reply) -> String {
    let format: OutputFormat = reply.isJSON ? .json : .text
    return format == engine.session.format || reply.error != nil ? input : "\(input) format=\(format.rawValue)"
  }

  /// The full name of the command `line` runs (`vae step`), or nil if it names none.
  func commandPath(of line: String) -> String? {
    guard let words = try? Tokenizer.tokens(line), !words.isEmpty, let (_, path, _) = try? engine.resolve(words)
    else { return nil }
    return path
  }
}

/// What a line run by a `LessonRunner` printed (the engine's `Reply`, whose
/// fields it shows as its own), and what the lesson adds after it.
@dynamicMemberLookup
public struct LessonReply: Sendable {
  public var reply: Reply
  /// Printed after the output but not part of it (a lesson's next step), so
  /// neither the notebook nor JSON holds it; nil in JSON mode.
  public var aside: String?
  /// A line to type at the next prompt for the user to run or edit (a lesson's next command).
  public var typedAhead: String?

  init(_ reply: Reply) { self.reply = reply }

  public subscript<Value>(dynamicMember keyPath: KeyPath<Reply, Value>) -> Value { reply[keyPath: keyPath] }
}
