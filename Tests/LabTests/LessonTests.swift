import Foundation
import Testing

@testable import Lab

/// Taking a lesson: its steps, the progress file, moving through it in an
/// engine, exercises judged and recorded, resuming, and a saved notebook
/// judged again by `check` and `grade`.
@Suite(.serialized)
struct LessonTests {
  static let first = """
    ---
    title: Two steps
    summary: A lesson for tests.
    seed: 3
    ---
    # Two steps

    First, a setting.

    ```vaelab
    > set precision=5
    format = text, precision = 5
    ```

    Then a KL, which
    wraps.

    ```vaelab
    > kl 1 2
    ...
    ```

    ```exercise
    id: t-number
    kind: number
    question: What is KL(N(0, 0.5^2) || N(0, 1))?
    answer: 0.318
    tolerance: 0.001
    hint: one
    hint: two
    solution: 0.5 * (0.25 - 1 - log 0.25) = 0.318
    explanation: Because.
    tries: 2
    ```

    ```exercise
    id: t-command
    kind: command
    question: Estimate a KL of 2 by Monte Carlo.
    command: kl
    check: mc.estimate within 0.2 of 2
    solution: kl 2 1 mc=10000 seed=1
    wrong: kl 0 1 mc=100
    explanation: mu^2 / 2.
    ```

    The end.

    """

  static let second = """
    ---
    title: The second
    summary: Another.
    ---
    One command.

    ```vaelab
    > seed
    seed = 0
    ```

    """

  /// A lessons directory holding the two lessons above, and a progress file beside it.
  final class Library {
    let directory: TemporaryDirectory
    let catalog: LessonCatalog
    var progressPath: String { directory.path + "/state/lessons.json" }

    init() throws {
      directory = try TemporaryDirectory()
      try FileManager.default.createDirectory(atPath: directory.path + "/lessons", withIntermediateDirectories: true)
      try LessonTests.first.write(
        toFile: directory.path + "/lessons/01-two-steps.md", atomically: true, encoding: .utf8)
      try LessonTests.second.write(toFile: directory.path + "/lessons/02-second.md", atomically: true, encoding: .utf8)
      catalog = try LessonCatalog(directory: directory.path + "/lessons")
    }

    func runner() -> LessonRunner {
      LessonRunner(desk: LessonDesk(catalog: catalog, store: LessonProgressStore(path: progressPath)))
    }

    func progress() throws -> LessonProgress {
      try JSONDecoder().decode(LessonProgress.self, from: Data(contentsOf: URL(fileURLWithPath: progressPath)))
    }
  }

  @Test func aLessonIsCutIntoStepsAtEachCommandAndExercise() throws {
    let library = try Library()
    let entry = try library.catalog.entry("1")
    #expect(entry.name == "01-two-steps" && entry.plan.title == "Two steps" && entry.plan.seed == 3)
    let steps = entry.plan.steps
    #expect(steps.count == 4)
    #expect(steps[0].prose == ["# Two steps", "", "First, a setting.", ""] && steps[0].command == "set precision=5")
    #expect(steps[1].prose == ["", "Then a KL, which", "wraps.", ""] && steps[1].command == "kl 1 2")
    #expect(steps[2].prose == [""] && entry.plan.exercises.map(\.id) == ["t-number", "t-command"])
    #expect(entry.plan.closing == ["", "The end."])
    // Named by number, name, or name without its number; a typo gets a suggestion.
    #expect(try library.catalog.entry("two-steps").number == 1)
    #expect(try library.catalog.entry("02-second").number == 2)
    #expect(throws: LabError("there is no lesson 3; the lessons are numbered 1 to 2 ('lesson' lists them)")) {
      try library.catalog.entry("3")
    }
    #expect(throws: LabError("there is no lesson 'two-step'; did you mean 'two-steps'? ('lesson' lists them)")) {
      try library.catalog.entry("two-step")
    }
  }

  @Test func proseIsRewrappedButCodeHeadingsAndListsKeepTheirShape() {
    let markdown = [
      "# A heading that is long enough to pass the width", "", "", "one two three", "four five six seven", "",
      "    code line that is long and stays", "- item one two", "  three four five", "1. first item here",
    ]
    #expect(
      ProseLayout.lines(markdown, width: 12) == [
        "# A heading that is long enough to pass the width", "", "one two", "three four", "five six",
        "seven", "", "    code line that is long and stays", "- item one", "  two three", "  four five",
        "1. first", "   item here",
      ])
  }

  @Test func progressRoundTripsAndACorruptFileIsSetAsideNotFatal() throws {
    let library = try Library()
    var store = LessonProgressStore(path: library.progressPath)
    #expect(store.update("01-two-steps", steps: 4) { $0.step = 3 } == nil)
    // A second store (another shell) sees it, and its change keeps the first's.
    var other = LessonProgressStore(path: library.progressPath)
    #expect(other.update("02-second", steps: 1) { $0.done = true } == nil)
    #expect(store.update("01-two-steps", steps: 4) { $0.step = 4 } == nil)
    let progress = try library.progress()
    #expect(progress.lessons["01-two-steps"]?.step == 4 && progress.lessons["02-second"]?.done == true)

    let corrupts = [
      "{not json", #"{"version":1,"lessons":{"a":{"step":-4,"steps":2,"done":false,"exercises":{}}}}"#,
      #"{"version":1,"lessons":{"a":{"step":1,"steps":9223372036854775807,"done":false,"exercises":{}}}}"#,
    ]
    for (index, corrupt) in corrupts.enumerated() {
      // Each is kept beside the ones before: .corrupt, .corrupt.1, ...
      let kept = library.progressPath + ".corrupt" + (index == 0 ? "" : ".\(index)")
      try corrupt.write(toFile: library.progressPath, atomically: true, encoding: .utf8)
      var reader = LessonProgressStore(path: library.progressPath)
      let reloaded = reader.reload()
      let warning = try #require(reloaded)
      #expect(warning.contains("could not be read") && warning.contains("kept as \(kept) and"))
      #expect(reader.progress == LessonProgress())
      #expect(try String(contentsOfFile: kept, encoding: .utf8) == corrupt)
      #expect(!FileManager.default.fileExists(atPath: library.progressPath))
      #expect(reader.update("01-two-steps", steps: 4) { $0.step = 2 } == nil)
      #expect(try library.progress().lessons["01-two-steps"]?.step == 2)
    }
  }

  @Test func aStudentTakesALessonStepByStep() throws {
    let library = try Library()
    var runner = library.runner()

    var reply = runner.execute("lesson 1")
    #expect(reply.error == nil && reply.output.contains("Lesson 1, step 1 of 4: Two steps"))
    #expect(reply.output.contains("First, a setting.") && reply.output.contains("> set precision=5"))
    #expect(reply.typedAhead == "set precision=5")

    // Another command is exploring: the lesson stays where it is.
    reply = runner.execute("kl 0 1")
    #expect(reply.aside == nil && reply.typedAhead == nil)
    // The step's command moves it on.
    reply = runner.execute("set precision=5")
    #expect(reply.output == "format = text, precision = 5")
    #expect(
      try #require(reply.aside).contains("step 2 of 4") && reply.aside?.contains("Then a KL, which wraps.") == true)
    #expect(reply.typedAhead == "kl 1 2")
    // back, again and next move without running anything.
    #expect(runner.execute("back").output.contains("step 1 of 4"))
    #expect(runner.execute("again").output.contains("step 1 of 4"))
    #expect(runner.execute("next").output.contains("step 2 of 4"))
    reply = runner.execute("kl 1 2")
    #expect(reply.output.contains("0.5 * (4.00000 + 1.00000"))
    let exercise = try #require(reply.aside)
    #expect(exercise.contains("Exercise t-number (answer NUMBER):") && exercise.contains("(hint, skip, solution)"))
    #expect(reply.typedAhead == "answer ")
    #expect(try library.progress().lessons["01-two-steps"]?.step == 3)

    // A wrong answer says what differs and shows the next hint; the tries used up, the solution.
    // Each answer writes the progress file once, whatever it records (a try, a hint, the solution, the step).
    var writes = runner.desk.store.writes
    reply = runner.execute("answer 0.5")
    #expect(runner.desk.store.writes == writes + 1)
    #expect(reply.output == "Not yet: 0.5 is too high. (Try 1 of 2.)\nHint 1 of 2: one")
    #expect(!reply.output.contains("0.318") && reply.typedAhead == "answer ")
    // A bare answer is pointed to `answer`.
    #expect(
      runner.execute("0.4").error
        == "unknown command '0.4' (type 'help' for the list); to answer the exercise, type: answer 0.4")
    writes = runner.desk.store.writes
    reply = runner.execute("answer 0.2")
    #expect(runner.desk.store.writes == writes + 1)
    #expect(
      reply.output
        == "Not yet: 0.2 is too low. (Try 2 of 2.)\nHint 2 of 2: two\nThe solution: 0.5 * (0.25 - 1 - log 0.25) = 0.318"
    )
    #expect(runner.execute("hint").output == "No more hints; 'solution' shows the solution.")
    writes = runner.desk.store.writes
    reply = runner.execute("answer 0.3183")
    #expect(runner.desk.store.writes == writes + 1)
    #expect(reply.output == "Right: 0.3183.\nBecause.")
    #expect(try #require(reply.aside).contains("Exercise t-command (run a 'kl' command; it is checked when it runs):"))
    #expect(reply.typedAhead == "kl ")

    // A command exercise is answered by running a command of its kind; it is recorded as an answer.
    reply = runner.execute("kl 0 1 mc=100")
    #expect(reply.output.hasSuffix("Not yet: your mc.estimate is 0; the target is 2 +- 0.2. (Try 1 of 3.)"))
    #expect(runner.session.notebook.last?.input == #"answer t-command "kl 0 1 mc=100""#)
    // A command of the kind whose result lacks the value is exploring, not an answer.
    reply = runner.execute("kl 0 1")
    #expect(!reply.output.contains("Not yet") && reply.aside == nil)
    reply = runner.execute("kl 2 1 mc=10000 seed=1")
    #expect(reply.output.hasSuffix("Right: your mc.estimate is 1.981.\nmu^2 / 2."))
    let end = try #require(reply.aside)
    #expect(end.contains("Lesson 1 done: Two steps") && end.contains("The end."))
    #expect(end.contains("Exercises passed in this session: 2 of 2.") && end.contains("Next: lesson 2, The second"))
    #expect(reply.typedAhead == "lesson 2")
    #expect(runner.execute("next").error == "no lesson is being taken; 'lesson' lists them, 'lesson N' starts one")

    let record = try #require(try library.progress().lessons["01-two-steps"])
    #expect(record.done && record.step == 5 && record.steps == 4)
    #expect(
      record.exercises["t-number"]
        == LessonProgress.ExerciseRecord(tries: 3, passed: true, hints: 2, solutionShown: true))
    #expect(record.exercises["t-command"]?.tries == 2 && record.exercises["t-command"]?.passed == true)
    #expect(runner.execute("lesson").output.contains("1. Two steps [done, 2 of 2 exercises passed]"))

    // The saved notebook replays: check judges every answer again, and an edited verdict shows.
    let notebook = library.directory.path + "/student.md"
    #expect(runner.execute("save \(notebook)").error == nil)
    let text = try String(contentsOfFile: notebook, encoding: .utf8)
    #expect(
      text.contains("lesson: 01-two-steps") && text.contains("- t-number: passed (3 tries, 2 hints, solution shown)"))
    let result = try TranscriptChecker.check(
      try Transcript(parsing: text, name: "student.md"), file: "student.md", files: .unrestricted,
      lessons: library.catalog)
    #expect(result.mismatches.isEmpty, "\(result.mismatches.map(\.report))")
    #expect(result.outcomes["01-two-steps"]?["t-number"]?.passed == true)
    let edited = text.replacingOccurrences(of: "Not yet: 0.5 is too high. (Try 1 of 2.)", with: "Right: 0.5.")
    let tampered = try TranscriptChecker.check(
      try Transcript(parsing: edited, name: "student.md"), file: "student.md", files: .unrestricted,
      lessons: library.catalog)
    #expect(tampered.mismatches.count == 1)

    try edited.write(toFile: library.directory.path + "/edited.md", atomically: true, encoding: .utf8)
    let report = GradeReport.grade(
      [notebook, library.directory.path + "/edited.md", library.directory.path + "/missing.md"],
      lessons: library.catalog, confine: { _ throws(LabError) in .unrestricted }, shouldStop: { false })
    #expect(report.rows.map(\.passed) == [2, 2, 0] && report.rows.map(\.outputsDiffering) == [0, 1, 0])
    #expect(report.rows[2].problem?.hasPrefix("cannot read") == true)
    #expect(
      report.csv.hasPrefix(
        "file,lesson,passed,exercises,attempted,hints,solutions_shown,skipped,outputs_differing,problem\r\n"))
    #expect(report.text.contains("2 of 2") && report.text.contains("1 differ from the record"))
  }

  @Test func resumingInANewSessionCatchesUpOnTheStepsBefore() throws {
    let library = try Library()
    var runner = library.runner()
    _ = runner.execute("lesson 1")
    _ = runner.execute("set precision=5")
    #expect(runner.execute("lesson quit").output == "left lesson 1; 'lesson 1' resumes it where you were")
    #expect(runner.execute("lesson").output.contains("1. Two steps [step 2 of 4, 0 of 2 exercises passed]"))

    // A new shell: the lesson resumes at step 2, and step 1's setting is made again.
    var later = library.runner()
    let reply = later.execute("lesson two-steps")
    #expect(reply.output.contains("Resuming at step 2.") && reply.output.contains("step 2 of 4"))
    #expect(reply.output.contains("Caught up: ran the 1 command of the steps before this one again (seed 3)."))
    #expect(later.execute("kl 1 2").output.contains("0.5 * (4.00000"))
    #expect(later.session.notebook.map(\.input) == ["seed 3", "set precision=5", "kl 1 2"])

    // step=K starts there; reset forgets.
    var third = library.runner()
    #expect(third.execute("lesson 1 step=4").output.contains("step 4 of 4"))
    #expect(third.execute("skip").output.hasPrefix("skipped exercise t-command"))
    #expect(try library.progress().lessons["01-two-steps"]?.exercises["t-command"]?.skipped == true)
    #expect(third.execute("lesson reset all").output == "progress of every lesson forgotten")
    #expect(try library.progress().lessons.isEmpty)
  }

  @Test func lessonCommandsRefuseWhatDoesNotApply() throws {
    let library = try Library()
    var runner = library.runner()
    #expect(runner.execute("hint").error == "no lesson is being taken, so name the exercise: answer ID VALUE")
    #expect(runner.execute("answer nope 1").error == "there is no exercise 'nope'")
    #expect(runner.execute("lesson step=2").error == "step= needs a lesson: lesson N step=K")
    _ = runner.execute("lesson 1")
    #expect(
      runner.execute("skip").error == "this step is a command, not an exercise; 'next' goes on without running it")
    #expect(runner.execute("answer 3").error == "this step of the lesson is not an exercise; 'again' shows it")
    // Answers by id work outside the current step, without moving the lesson.
    let reply = runner.execute(#"answer t-command "kl 2 1 mc=10000 seed=1""#)
    #expect(reply.output.hasSuffix("Right: your mc.estimate is 1.981.\nmu^2 / 2.") && reply.aside == nil)
    #expect(runner.execute("again").output.contains("step 1 of 4"))
    // What is not an answer (another command, not an option, not a number) is refused, costing no try;
    // another command is not run.
    #expect(
      runner.execute(#"answer t-command "vae new shapes""#).error
        == "the answer is a 'kl' command; that was not counted as a try")
    #expect(runner.session.workbench == nil)
    #expect(runner.execute("answer t-number nan").error == "'nan' is not a number; that was not counted as a try")
    #expect(runner.execute("answer t-number 1e400").error == "'1e400' is not a number; that was not counted as a try")
    #expect(runner.desk.outcomes["01-two-steps"]?["t-number"] == nil)
    var bare = LessonRunner()
    #expect(bare.execute("lesson").error?.hasPrefix("no lessons here") == true)
  }

  /// Lesson commands asked for in JSON are recorded with `format=json`, so the
  /// saved notebook replays them as they printed: a hint, wrong and right
  /// answers, and a command judged as an answer.
  @Test func answersInJSONReplayInJSON() throws {
    let library = try Library()
    var runner = library.runner()
    #expect(runner.execute("lesson 1 step=3").error == nil)
    for line in [
      "hint format=json", "answer 0.2 format=json", "answer 0.3183 format=json", "kl 0 1 mc=100 format=json",
    ] {
      let reply = runner.execute(line)
      #expect(reply.error == nil && reply.isJSON, "\(line)")
    }
    #expect(
      runner.session.notebook.map(\.input) == [
        "seed 3", "set precision=5", "kl 1 2", "hint t-number format=json", "answer t-number 0.2 format=json",
        "answer t-number 0.3183 format=json", #"answer t-command "kl 0 1 mc=100 format=json" format=json"#,
      ])
    let text = Transcript.notebook(runner.session.notebook, seed: 0, preface: runner.desk.notebookPreface)
    let result = try TranscriptChecker.check(
      try Transcript(parsing: text, name: "json.md"), file: "json.md", files: .unrestricted, lessons: library.catalog)
    #expect(result.mismatches.isEmpty, "\(result.mismatches.map(\.report))")
  }

  /// A lesson whose command starts a lesson cannot recurse: catching up stops there.
  @Test func aLessonCannotStartALessonWhileCatchingUp() throws {
    let directory = try TemporaryDirectory()
    try "```vaelab\n> lesson 1 step=2\n> seed\nseed = 0\n```\n".write(
      toFile: directory.path + "/01-loop.md", atomically: true, encoding: .utf8)
    var runner = LessonRunner(desk: LessonDesk(catalog: try LessonCatalog(directory: directory.path)))
    let reply = runner.execute("lesson 1 step=2")
    #expect(
      reply.output.replacingOccurrences(of: "\n", with: " ").contains(
        "Catching up stopped at 'lesson 1 step=2': a lesson's command cannot start a lesson ('01-loop'). The lesson starts at that step."
      ))
    #expect(reply.output.contains("step 1 of 2"))
  }

  /// The lessons that ship: every one reads, has at least three exercises,
  /// and no two exercises share an id (a notebook's answers name them by id).
  @Test func theShippedLessonsAllPlay() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("lessons").path
    let catalog = try LessonCatalog(directory: directory)
    #expect(catalog.entries.count == 9 && catalog.unreadable.isEmpty)
    for entry in catalog.entries {
      #expect(entry.plan.exercises.count >= 3 && entry.plan.steps.count >= 6, "\(entry.name)")
      #expect(!entry.plan.summary.isEmpty && entry.plan.title != entry.name, "\(entry.name)")
    }
    let ids = catalog.entries.flatMap { $0.plan.exercises.map(\.id) }
    #expect(Set(ids).count == ids.count)
  }
}
