extension Engine {
  /// Runs `line`, a command `entry` supplied, with the lesson's own files (see
  /// `LessonDesk.files(for:)`) in place of the user's, which come back after it;
  /// the user may then also read what the lesson wrote. A note before the
  /// lesson's next step says where the files it wrote went.
  mutating func executeForLesson(_ line: String, of entry: LessonCatalog.Entry) -> Reply {
    let userFiles = session.files
    let lessonFiles: FileAccess
    do { lessonFiles = try session.lessons.files(for: entry) } catch {
      return Reply(output: "", error: error.message)
    }
    session.files = lessonFiles
    var reply = executeStatement(line, recording: true)
    session.files = userFiles
    if let scratch = lessonFiles.scratchDirectory { session.files = userFiles.readingAlso(from: scratch) }
    followLesson(after: line, reply: &reply)
    if let scratch = lessonFiles.scratchDirectory, !reply.filesWritten.isEmpty, !reply.isJSON {
      let note = session.presentation.fitted(Self.lessonFilesNote(reply.filesWritten.map(\.path), in: scratch))
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
  mutating func followLesson(after line: String, reply: inout Reply) {
    guard let action = session.lessons.currentAction else { return }
    // A bare answer at an exercise that takes one is most likely meant for it.
    if let error = reply.error, case .exercise(let exercise) = action, !exercise.isCommand,
      error.hasPrefix("unknown command"), let words = try? Tokenizer.tokens(line), words.count == 1
    {
      reply.error = "\(error); to answer the exercise, type: answer \(words[0].text)"
      return
    }
    guard reply.error == nil, let path = commandPath(of: line) else { return }
    switch action {
    case .command(let command):
      guard commandPath(of: command) == path, let notes = try? session.lessons.move(by: 1),
        let view = try? LessonCommands.view(of: session, notes: notes)
      else { return }
      if !reply.isJSON { reply.aside = session.presentation.fitted(view.text(for: session.presentation)) }
      reply.typedAhead = view.typedAhead
    case .exercise(let exercise):
      let input = line.trimmingBlanks
      guard case .command(let name, let check) = exercise.kind, Exercise.command(path, isA: name),
        let json = reply.json, check.path.number(in: json) != nil,
        let lesson = session.lessons.playing?.entry.name,
        let output = try? LessonCommands.judge(input, to: exercise, of: lesson, commandReply: reply, in: &session)
      else { return }
      reply = self.reply(from: output, format: reply.isJSON ? .json : .text)
      if session.notebook.last?.input == input {
        session.notebook[session.notebook.count - 1] = NotebookEntry(
          input: output.recordedInput ?? input, output: reply.transcriptLines)
      }
    }
  }

  /// The full name of the command `line` runs (`vae step`), or nil if it names none.
  func commandPath(of line: String) -> String? {
    guard let words = try? Tokenizer.tokens(line), !words.isEmpty, let (_, path, _) = try? resolve(words) else {
      return nil
    }
    return path
  }
}
