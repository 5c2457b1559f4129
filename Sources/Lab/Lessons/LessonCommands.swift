/// Taking a lesson in the shell: `lesson` (list, start or resume, `reset`,
/// `quit`), moving between steps (`next`, `back`, `again`) and exercises
/// (`answer`, `hint`, `skip`, `solution`). The `LessonRunner` runs them.
enum LessonCommands {
  static let all = [lesson, next, back, again, answer, hint, skip, solution]

  /// Every lesson command and subcommand by its full name (`lesson reset`).
  static let named: [String: LessonCommand] = Dictionary(
    uniqueKeysWithValues: all.flatMap { command in
      [(command.spec.name, command)] + command.subcommands.map { ("\(command.spec.name) \($0.spec.name)", $0) }
    })

  static let lesson = LessonCommand(
    name: "lesson",
    summary: "list the lessons with your progress, or take one step by step",
    discussion: """
      'lesson' lists the lessons: title, summary and how far you are. 'lesson N'
      (or its name) starts lesson N, or resumes it where you left it; step=K
      starts at step K. A step shows the lesson's prose, then its command, typed
      at the prompt for you: Enter runs it, or edit it first. Between steps any
      command works. A lesson started at a later step, or resumed in a new
      session, first runs the commands of the steps before it again, quietly, so
      the session holds what they made. Progress is kept in
      $XDG_STATE_HOME/vaelab/lessons.json (else ~/.local/state/vaelab).
      """,
    arguments: StartArguments.self,
    examples: ["lesson", "lesson 1", "lesson kl-anchors step=5", "lesson reset 1", "lesson quit"],
    subcommands: [reset, quit],
    isRecorded: false,
    run: { runner, arguments throws(LabError) in
      let catalog = try runner.desk.requireCatalog()
      guard let key = arguments.lesson else {
        let (progress, warning) = runner.desk.progress()
        return LessonOutput(LessonList(catalog: catalog, progress: progress, warning: warning))
      }
      return try start(catalog.entry(key), at: arguments.step, in: &runner)
    })

  static let reset = LessonCommand(
    name: "reset",
    summary: "forget your progress in a lesson, or in all of them",
    arguments: ResetArguments.self,
    examples: ["lesson reset 2", "lesson reset all"],
    isRecorded: false,
    run: { runner, arguments throws(LabError) in
      let catalog = try runner.desk.requireCatalog()
      let names = arguments.lesson == "all" ? nil : [try catalog.entry(arguments.lesson).name]
      let warning = runner.desk.reset(names)
      return LessonOutput(Notice(text: "progress of \(names?[0] ?? "every lesson") forgotten", warning: warning))
    })

  static let quit = LessonCommand(
    name: "quit",
    summary: "leave the lesson; 'lesson N' resumes it at the same step",
    arguments: NoArguments.self,
    isRecorded: false,
    run: { runner, _ throws(LabError) in
      let entry = try runner.desk.quit()
      return LessonOutput(
        Notice(text: "left lesson \(entry.number); 'lesson \(entry.number)' resumes it where you were", warning: nil))
    })

  static let next = LessonCommand(
    name: "next", summary: "go on to the lesson's next step (without running this one's command)",
    arguments: NoArguments.self, isRecorded: false,
    run: { runner, _ throws(LabError) in try moved(by: 1, in: &runner.desk) })

  static let back = LessonCommand(
    name: "back", summary: "go back to the lesson's previous step", arguments: NoArguments.self, isRecorded: false,
    run: { runner, _ throws(LabError) in try moved(by: -1, in: &runner.desk) })

  static let again = LessonCommand(
    name: "again", summary: "show the lesson's current step again", arguments: NoArguments.self, isRecorded: false,
    run: { runner, _ throws(LabError) in try moved(by: 0, in: &runner.desk) })

  static let answer = LessonCommand(
    name: "answer",
    summary: "answer the lesson's exercise: a number, an option's letter, or a command",
    discussion: """
      A command exercise is also answered by just running a command of its kind:
      its result is checked when it runs. A wrong answer shows what differs and
      the next hint; after the exercise's tries, its solution. Outside a lesson,
      name the exercise: answer ID VALUE (a command in quotes).
      """,
    arguments: AnswerArguments.self,
    examples: ["answer 0.807", "answer b", "answer kl-half \"kl 1 1\""],
    run: { runner, arguments throws(LabError) in
      let (id, value) = arguments.value.map { (Optional(arguments.first), $0) } ?? (nil, arguments.first)
      let (lesson, exercise) = try runner.desk.exercise(id)
      var commandReply: Reply?
      // A command of the exercise's kind runs; any other is judged wrong without running.
      if case .command(let name, _) = exercise.kind, Exercise.command(value, isA: name) {
        guard !value.contains(";") else { throw LabError("an answer is one command, without ';'") }
        // The command runs in this session, as if typed, but is recorded as part of the answer.
        commandReply = runner.executeStatement(value, recording: false).reply
      }
      // Recorded with the exercise's id whether it counts or is refused, so a
      // saved notebook replays it anywhere, with the same reply.
      do throws(LabError) {
        return try judge(value, to: exercise, of: lesson, commandReply: commandReply, in: &runner.desk)
      } catch {
        throw error.recorded(as: "answer \(exercise.id) \(Tokenizer.quoted(value))")
      }
    })

  static let hint = LessonCommand(
    name: "hint", summary: "show the exercise's next hint", arguments: ExerciseArguments.self,
    examples: ["hint", "hint kl-half"],
    run: { runner, arguments throws(LabError) in
      let (lesson, exercise) = try runner.desk.exercise(arguments.exercise)
      let text =
        runner.desk.nextHint(of: exercise, in: lesson).map {
          "Hint \($0.number) of \(exercise.hints.count): \($0.text)"
        }
        ?? (exercise.hints.isEmpty ? "This exercise has no hints" : "No more hints")
        + "; 'solution' shows the solution."
      var output = LessonOutput(Notice(text: text, warning: nil))
      output.recordedInput = "hint \(exercise.id)"
      return output
    })

  static let skip = LessonCommand(
    name: "skip", summary: "go on past the exercise without answering it", arguments: ExerciseArguments.self,
    examples: ["skip"],
    run: { runner, arguments throws(LabError) in
      if arguments.exercise == nil, runner.desk.playing != nil, runner.desk.currentExercise == nil {
        throw LabError("this step is a command, not an exercise; 'next' goes on without running it")
      }
      let (lesson, exercise) = try runner.desk.exercise(arguments.exercise)
      // Skipped, and the lesson moved on if it was the exercise at hand: one write.
      let (next, warning) = runner.desk.writingOnce { desk in
        _ = desk.recordSkipped(lesson: lesson, id: exercise.id)
        guard desk.currentExercise?.id == exercise.id, let notes = try? desk.move(by: 1) else {
          return nil as LessonView?
        }
        return try? view(of: desk, notes: notes)
      }
      var output = LessonOutput(Notice(text: "skipped exercise \(exercise.id)", warning: warning))
      output.recordedInput = "skip \(exercise.id)"
      if let next { output.continue(with: next) }
      return output
    })

  static let solution = LessonCommand(
    name: "solution", summary: "show the exercise's solution", arguments: ExerciseArguments.self,
    examples: ["solution", "solution kl-half"],
    run: { runner, arguments throws(LabError) in
      let (lesson, exercise) = try runner.desk.exercise(arguments.exercise)
      let warning = runner.desk.recordSolutionShown(lesson: lesson, id: exercise.id)
      var output = LessonOutput(Notice(text: "Solution: \(exercise.solutionText)", warning: warning))
      output.recordedInput = "solution \(exercise.id)"
      return output
    })

  // MARK: Arguments

  struct StartArguments: CommandArguments {
    @Positional(.word("a lesson's number or name"), help: "the lesson: its number or name") var lesson: String?
    @Named(1...10_000, help: "start at this step (the steps before it are run again, quietly)") var step: Int?

    static let rules = ["step= only with a lesson: lesson N step=K"]

    func validate() throws(LabError) {
      if $step.isGiven && lesson == nil { throw LabError("step= needs a lesson: lesson N step=K") }
    }
  }

  struct ResetArguments: CommandArguments {
    @Positional(.word("a lesson's number or name, or all"), help: "the lesson, or all") var lesson: String
  }

  struct ExerciseArguments: CommandArguments {
    @Positional(.word("an exercise id"), help: "the exercise (default: the lesson's current one)") var exercise: String?
  }

  struct AnswerArguments: CommandArguments {
    @Positional(.word("an answer, or an exercise id"), help: "the answer; or the exercise's id, then the answer")
    var first: String
    @Positional(.word("an answer"), help: "the answer, when the exercise is named first") var value: String?
  }

  // MARK: Actions

  /// Starts `entry` at step `step` (from 1; default: where the progress file
  /// says, or 1 for a lesson not begun or finished). Unless this session has run
  /// the lesson's commands already, it restarts the random stream from the
  /// lesson's seed and runs the commands of the steps before, quietly.
  static func start(_ entry: LessonCatalog.Entry, at step: Int?, in runner: inout LessonRunner) throws(LabError)
    -> LessonOutput
  {
    let (progress, warning) = runner.desk.progress()
    let record = progress.lessons[entry.name]
    let steps = entry.plan.steps.count
    if let step, step > steps {
      throw LabError("lesson \(entry.number) has \(steps) steps; step must be from 1 to \(steps)")
    }
    var target = (step ?? (record.map { $0.done ? 1 : $0.step } ?? 1)) - 1
    target = min(max(target, 0), max(steps - 1, 0))
    var notes = warning.map { [$0] } ?? []
    if step == nil, record?.done == true { notes.append("You finished this lesson before; here it is from the start.") }
    if step == nil, let record, !record.done, record.step > 1 { notes.append("Resuming at step \(target + 1).") }
    guard !runner.desk.catchingUp else {
      throw LabError("a lesson's command cannot start a lesson ('\(entry.name)')")
    }
    // Resuming where this session left the lesson needs nothing run again.
    if runner.desk.established.map({ $0.name != entry.name || $0.step != target }) ?? true {
      notes += try catchUp(entry, to: &target, in: &runner)
    }
    notes += runner.desk.begin(entry, at: target)
    if notes.isEmpty || step != nil || record == nil {
      notes.append(
        "Run each step's command (at a terminal it is typed for you: Enter runs it, or edit it first); any other command works between steps. next, back, again, hint, skip, solution, lesson quit."
      )
    }
    return LessonOutput(try view(of: runner.desk, notes: notes))
  }

  /// Restarts the random stream from the lesson's seed and runs the commands of
  /// the steps before `target` again, with the lesson's rights; stops at the
  /// first that fails, and moves `target` there. The notes say what ran and
  /// where the files it wrote went.
  private static func catchUp(_ entry: LessonCatalog.Entry, to target: inout Int, in runner: inout LessonRunner)
    throws(LabError) -> [String]
  {
    // Its data files (checkpoints) load by the names the lesson uses.
    if let directory = runner.desk.catalog?.directory {
      runner.engine.session.files = runner.engine.session.files.readingAlso(from: directory)
    }
    // The lesson's commands run with the lesson's rights, not the student's.
    let userFiles = runner.engine.session.files
    let lessonFiles = try runner.desk.files(for: entry)
    runner.engine.session.files = lessonFiles
    runner.desk.catchingUp = true
    var notes: [String] = []
    var ran = 0
    var written: [String] = []
    for line in ["seed \(entry.plan.seed)"] + entry.plan.steps[..<target].compactMap(\.command) {
      let reply = runner.executeStatement(line, recording: true)
      written += reply.filesWritten.map(\.path).filter { !written.contains($0) }
      if runner.session.shouldStop() { throw .interrupted }
      if let error = reply.error {
        notes.append("Catching up stopped at '\(line)': \(error). The lesson starts at that step.")
        if let failing = entry.plan.steps.firstIndex(where: { $0.command == line }) { target = failing }
        break
      }
      ran += 1
    }
    runner.desk.catchingUp = false
    runner.engine.session.files = lessonFiles.scratchDirectory.map { userFiles.readingAlso(from: $0) } ?? userFiles
    if ran > 1 {
      notes.append(
        "Caught up: ran the \(ran - 1) command\(ran == 2 ? "" : "s") of the steps before this one again (seed \(entry.plan.seed))."
      )
    }
    if let scratch = lessonFiles.scratchDirectory, !written.isEmpty {
      notes.append(LessonRunner.lessonFilesNote(written, in: scratch))
    }
    return notes
  }

  static func moved(by offset: Int, in desk: inout LessonDesk) throws(LabError) -> LessonOutput {
    let atStart = offset < 0 && desk.playing?.step == 0
    let notes = try desk.move(by: offset)
    return LessonOutput(try view(of: desk, notes: (atStart ? ["This is the first step."] : []) + notes))
  }

  /// The view of where the lesson is now: its current step, or its end.
  static func view(of desk: LessonDesk, notes: [String]) throws(LabError) -> LessonView {
    guard let playing = desk.playing else {
      // The lesson just ended: saveStep leaves nothing playing after the last step.
      guard let catalog = desk.catalog, let name = desk.established?.name,
        let entry = catalog.entries.first(where: { $0.name == name })
      else { throw LabError("no lesson is being taken; 'lesson' lists them") }
      return LessonView(finished: entry, catalog: catalog, outcomes: desk.outcomes[name] ?? [:], notes: notes)
    }
    return LessonView(step: playing.step, of: playing.entry, notes: notes)
  }

  /// Judges `answer` to `exercise`: records it, and says what passed or
  /// differs, the next hint after a wrong answer, the solution once the tries
  /// are used up, the explanation after a right one; a right answer to the
  /// exercise at hand moves the lesson on. `commandReply` is what the answer's
  /// command printed, for a command exercise.
  static func judge(
    _ answer: String, to exercise: Exercise, of lesson: String, commandReply: Reply?, in desk: inout LessonDesk
  ) throws(LabError) -> LessonOutput {
    let assessment = exercise.assess(answer) { _, _ in
      guard let commandReply else { return .failure(LabError("the answer ran no command")) }
      if let error = commandReply.error { return .failure(LabError(error)) }
      return commandReply.json.map { .success($0) } ?? .failure(LabError("it gives no result"))
    }
    // What is not an answer at all is an error, and costs no try.
    guard assessment.isAnswer else { throw LabError("\(assessment.feedback); that was not counted as a try") }
    guard !(answer.contains("'") && answer.contains("\"")) else {
      throw LabError("an answer may hold ' or \", not both; that was not counted as a try")
    }
    // The try, a hint, the solution shown and the next step: one write of the progress file.
    var verdict: [String] = []
    let ((outcome, next), warning) = desk.writingOnce { desk in
      let (outcome, _) = desk.recordAnswer(lesson: lesson, id: exercise.id, passed: assessment.passed)
      if assessment.passed {
        verdict.append("Right: \(assessment.feedback).")
        if let explanation = exercise.explanation { verdict.append(explanation) }
      } else {
        let of = outcome.tries <= exercise.tries ? " of \(exercise.tries)" : ""
        verdict.append("Not yet: \(assessment.feedback). (Try \(outcome.tries)\(of).)")
        if let hint = desk.nextHint(of: exercise, in: lesson) {
          verdict.append("Hint \(hint.number) of \(exercise.hints.count): \(hint.text)")
        }
        if outcome.tries == exercise.tries, !outcome.solutionShown {
          _ = desk.recordSolutionShown(lesson: lesson, id: exercise.id)
          verdict.append("The solution: \(exercise.solutionText)")
        }
      }
      // A right answer to the exercise at hand moves the lesson on.
      guard assessment.passed, desk.currentExercise?.id == exercise.id, let notes = try? desk.move(by: 1) else {
        return (outcome, nil as LessonView?)
      }
      return (outcome, try? view(of: desk, notes: notes))
    }
    if let warning { verdict.append("(\(warning))") }
    var output = LessonOutput(
      AnswerResult(
        exercise: exercise.id, lesson: lesson, answer: answer, passed: assessment.passed,
        feedback: assessment.feedback, tries: outcome.tries, result: commandReply?.json, verdict: verdict,
        commandPrinted: commandReply?.output ?? "", commandPlain: commandReply?.plainOutput ?? ""))
    output.recordedInput = "answer \(exercise.id) \(Tokenizer.quoted(answer))"
    if let next {
      output.continue(with: next)
    } else if !assessment.passed, desk.currentExercise?.id == exercise.id {
      // At the exercise at hand, a wrong answer leaves the next one started.
      output.typedAhead = LessonView.typedAhead(for: exercise)
    }
    return output
  }
}

extension LessonPlan.Step {
  var command: String? {
    if case .command(let command) = action { command } else { nil }
  }
}

extension Exercise {
  /// Whether a command is its answer.
  var isCommand: Bool {
    if case .command = kind { true } else { false }
  }

  /// The solution as a student reads it: the author's, else the answer itself.
  var solutionText: String {
    if let solution { return TerminalText.visible(solution) }
    switch kind {
    case .number(let answer, _, _): return NumberFormat.shortest(answer)
    case .choice(_, let answer): return answer
    case .command: return "(none given)"
    }
  }
}
