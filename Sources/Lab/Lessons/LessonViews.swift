/// What the lesson commands print.

/// The lessons with the student's progress in each.
struct LessonList: CommandResult {
  struct Row: Encodable, Sendable {
    var number: Int
    var name: String
    var title: String
    var summary: String
    /// `not started`, `step 4 of 12`, or `done`.
    var progress: String
    var exercisesPassed: Int
    var exercises: Int

    enum CodingKeys: String, CodingKey {
      case number, name, title, summary, progress
      case exercisesPassed = "exercises_passed"
      case exercises
    }
  }

  var directory: String
  var lessons: [Row]
  var unreadable: [String]
  /// What was wrong with the progress file, if it had to be set aside.
  var warning: String?

  init(catalog: LessonCatalog, progress: LessonProgress, warning: String?) {
    self.warning = warning
    directory = catalog.directory
    lessons = catalog.entries.map { entry in
      let record = progress.lessons[entry.name]
      let steps = entry.plan.steps.count
      let ids = Set(entry.plan.exercises.map(\.id))
      let passed = record?.exercises.filter { ids.contains($0.key) && $0.value.passed }.count ?? 0
      let state =
        switch record {
        case .none: "not started"
        case .some(let record) where record.done: "done"
        case .some(let record): "step \(min(record.step, steps)) of \(steps)"
        }
      return Row(
        number: entry.number, name: entry.name, title: entry.plan.title, summary: entry.plan.summary,
        progress: state, exercisesPassed: passed, exercises: ids.count)
    }
    unreadable = catalog.unreadable.map { "\($0.name): \($0.reason)" }
  }

  func text(for presentation: Presentation) -> String {
    var lines = warning.map { ProseLayout.wrap("(\($0))", width: presentation.proseWidth, hanging: "") } ?? []
    lines.append("Lessons in \(directory) ('lesson N' takes one):")
    let numberWidth = String(lessons.count).count
    for row in lessons {
      let exercises =
        row.exercises > 0 && row.progress != "not started"
        ? ", \(row.exercisesPassed) of \(row.exercises) exercises passed" : ""
      let number = String(repeating: " ", count: numberWidth - String(row.number).count) + String(row.number)
      lines.append("")
      lines.append("\(number). \(row.title) [\(row.progress)\(exercises)]")
      let indent = String(repeating: " ", count: numberWidth + 2)
      let width = max(20, presentation.proseWidth - indent.count)
      if !row.summary.isEmpty {
        lines += ProseLayout.wrap(row.summary, width: width, hanging: "").map { indent + $0 }
      }
    }
    if !unreadable.isEmpty {
      lines.append("")
      lines += unreadable.map { "not a lesson vaelab can read: \($0)" }
    }
    return lines.joined(separator: "\n")
  }
}

/// A lesson's current step, or its end.
struct LessonView: CommandResult {
  struct ExerciseView: Encodable, Sendable {
    var id: String
    var kind: String
    var question: String
    var options: [String]
    /// The commands the exercise starts from.
    var assumes: [String]
    /// What the shell types to start an answer.
    var answerStart: String

    enum CodingKeys: String, CodingKey { case id, kind, question, options, assumes, hints }
    var hints: Int
  }

  struct NextLesson: Encodable, Sendable {
    var number: Int
    var name: String
    var title: String
  }

  var lesson: Int
  var name: String
  var title: String
  /// From 1; one past the last when the lesson is done.
  var step: Int
  var steps: Int
  var notes: [String]
  var prose: [String]
  var command: String?
  var exercise: ExerciseView?
  var done: Bool
  /// When done: how many of its exercises were passed in this session.
  var exercisesPassed: Int?
  var exercises: Int
  var next: NextLesson?

  enum CodingKeys: String, CodingKey {
    case lesson, name, title, step, steps, notes, prose, command, exercise, done
    case exercisesPassed = "exercises_passed"
    case exercises, next
  }

  init(step: Int, of entry: LessonCatalog.Entry, notes: [String]) {
    let current = entry.plan.steps[step]
    lesson = entry.number
    name = entry.name
    title = entry.plan.title
    self.step = step + 1
    steps = entry.plan.steps.count
    self.notes = notes
    prose = current.prose
    done = false
    exercises = entry.plan.exercises.count
    switch current.action {
    case .command(let command): self.command = command
    case .exercise(let exercise):
      let (kind, options): (String, [String]) =
        switch exercise.kind {
        case .number: ("number", [])
        case .choice(let options, _): ("choice", options.map { "\($0.letter)) \($0.text)" })
        case .command(let name, _): ("command: \(name)", [])
        }
      self.exercise = ExerciseView(
        id: exercise.id, kind: kind, question: exercise.question, options: options, assumes: exercise.setup,
        answerStart: Self.typedAhead(for: exercise),
        hints: exercise.hints.count)
    }
  }

  init(
    finished entry: LessonCatalog.Entry, catalog: LessonCatalog,
    outcomes: [String: LessonProgress.ExerciseRecord], notes: [String]
  ) {
    lesson = entry.number
    name = entry.name
    title = entry.plan.title
    steps = entry.plan.steps.count
    step = steps + 1
    self.notes = notes
    prose = entry.plan.closing
    done = true
    exercises = entry.plan.exercises.count
    exercisesPassed = entry.plan.exercises.filter { outcomes[$0.id]?.passed == true }.count
    next = catalog.entry(after: entry).map { NextLesson(number: $0.number, name: $0.name, title: $0.plan.title) }
  }

  /// What the shell types at the next prompt: the step's command; for an
  /// exercise, the command it starts from, else the start of an answer; at the
  /// end, the next lesson.
  var typedAhead: String? {
    if let command { return command }
    if let exercise { return exercise.assumes.first ?? exercise.answerStart }
    return next.map { "lesson \($0.number)" }
  }

  /// The start of an answer to `exercise`: `answer `, or its command's name.
  static func typedAhead(for exercise: Exercise) -> String {
    if case .command(let name, _) = exercise.kind { name + " " } else { "answer " }
  }

  func text(for presentation: Presentation) -> String {
    var lines: [String] = []
    let header = done ? "Lesson \(lesson) done: \(title)" : "Lesson \(lesson), step \(step) of \(steps): \(title)"
    lines.append(presentation.colour ? "\u{1B}[1m\(header)\u{1B}[0m" : header)
    for note in notes { lines += ProseLayout.wrap(note, width: presentation.proseWidth, hanging: "") }
    let laidOut = ProseLayout.lines(prose, width: presentation.proseWidth)
    if !laidOut.isEmpty { lines += [""] + laidOut }
    if let command {
      lines += ["", "> " + command]
    }
    if let exercise {
      let how =
        exercise.kind.hasPrefix("command: ")
        ? "run a '\(exercise.kind.dropFirst("command: ".count))' command; it is checked when it runs"
        : exercise.kind == "number" ? "answer NUMBER" : "answer LETTER"
      lines += [""] + ProseLayout.wrap("Exercise \(exercise.id) (\(how)):", width: presentation.proseWidth, hanging: "")
      lines += ProseLayout.wrap(exercise.question, width: presentation.proseWidth - 2, hanging: "").map {
        "  " + $0
      }
      for option in exercise.options {
        lines += ProseLayout.wrap(option, width: presentation.proseWidth - 2, hanging: "   ").map { "  " + $0 }
      }
      if !exercise.assumes.isEmpty {
        lines += ProseLayout.wrap(
          "It starts from: \(exercise.assumes.joined(separator: "; ")) (typed for you at a terminal: run it first).",
          width: presentation.proseWidth,
          hanging: "")
      }
      let help = exercise.hints > 0 ? "hint, skip, solution" : "skip, solution"
      lines.append("(\(help))")
    }
    if done {
      if exercises > 0 {
        lines += ["", "Exercises passed in this session: \(exercisesPassed ?? 0) of \(exercises)."]
      }
      if let next {
        lines.append("Next: lesson \(next.number), \(next.title) ('lesson \(next.number)').")
      } else {
        lines.append("That was the last lesson.")
      }
    }
    return lines.joined(separator: "\n")
  }
}

/// A sentence, and why progress was not saved if it was not.
struct Notice: CommandResult {
  var text: String
  var warning: String?

  func text(for presentation: Presentation) -> String {
    ProseLayout.wrap(text, width: presentation.proseWidth, hanging: "").joined(separator: "\n")
      + (warning.map { "\n(\($0))" } ?? "")
  }
}

/// What an answer earned, after what its command printed.
struct AnswerResult: CommandResult {
  var exercise: String
  var lesson: String
  var answer: String
  var passed: Bool
  var feedback: String
  var tries: Int
  /// The result of the answer's command; null for an answer that ran none.
  @Nullable var result: JSON?
  /// What the answer earned, sentence by sentence: the feedback, then a hint,
  /// the solution or the explanation.
  var verdict: [String]
  /// The answer's command's output, as shown at the front end and as recorded.
  var commandPrinted: String
  var commandPlain: String

  func text(for presentation: Presentation) -> String {
    var parts: [String] = []
    let printed = presentation == presentation.plainText ? commandPlain : commandPrinted
    if !printed.isEmpty { parts.append(printed) }
    parts += verdict.map { ProseLayout.wrap($0, width: presentation.proseWidth, hanging: "").joined(separator: "\n") }
    return parts.joined(separator: "\n")
  }

  /// The answer and its judgement, with the command's result; the text of
  /// the verdict and of the command's output are what the text shows of them.
  enum CodingKeys: CodingKey { case exercise, lesson, answer, passed, feedback, tries, result }
}
