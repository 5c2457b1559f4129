/// What a session knows of lessons: the catalog, the progress file, the lesson
/// being taken and its current step, and how each exercise went in this session.
///
/// A lesson plays one step at a time (see `LessonPlan`). A command step is done
/// when the student runs that command (as typed for them, or edited, but the
/// same command); an exercise step when its answer passes, or with `skip`.
/// Every change of step and every answer is written to the progress file at once.
public struct LessonDesk: Sendable {
  public private(set) var catalog: LessonCatalog?
  /// Finds the catalog when a lesson command first needs one, so that starting
  /// vaelab reads no lesson.
  private var findCatalog: (@Sendable () -> LessonCatalog?)?
  public private(set) var store: LessonProgressStore

  /// The lesson being taken and the index of its current step (from 0).
  struct Playing: Sendable {
    var entry: LessonCatalog.Entry
    var step: Int
  }
  var playing: Playing?
  /// The lesson whose commands this session has run (started or caught up),
  /// and the step it was last at, so that resuming it there needs no catching up.
  var established: (name: String, step: Int)?
  /// Set while a lesson's earlier commands run again: they may not start a lesson.
  var catchingUp = false
  /// Lessons whose exercises `answer ID` and `solution ID` may name when no
  /// lesson is being taken: a saved notebook's `lesson:` front matter.
  var context: [String] = []
  /// Each lesson's files: where its own commands read and write (see `files(for:)`), by lesson name.
  private var lessonFiles: [String: FileAccess] = [:]
  /// How each exercise went in this session, by lesson name then exercise id:
  /// what a saved notebook's summary states and `vaelab grade` counts.
  public private(set) var outcomes: [String: [String: LessonProgress.ExerciseRecord]] = [:]

  /// A desk with `catalog`, or one `findCatalog` gives when first needed.
  public init(
    catalog: LessonCatalog? = nil, findCatalog: (@Sendable () -> LessonCatalog?)? = nil,
    store: LessonProgressStore = LessonProgressStore()
  ) {
    self.catalog = catalog
    self.findCatalog = catalog == nil ? findCatalog : nil
    self.store = store
  }

  private mutating func loadCatalog() {
    if let find = findCatalog {
      catalog = find()
      findCatalog = nil
    }
  }

  mutating func requireCatalog() throws(LabError) -> LessonCatalog {
    loadCatalog()
    guard let catalog else {
      throw LabError(
        "no lessons here: vaelab looks for them in $VAELAB_LESSONS, else a 'lessons' directory beside or above the vaelab executable, else in the working directory"
      )
    }
    return catalog
  }

  func requirePlaying() throws(LabError) -> Playing {
    guard let playing else { throw LabError("no lesson is being taken; 'lesson' lists them, 'lesson N' starts one") }
    return playing
  }

  /// The progress file as it is now, and what was wrong with it if it had to be set aside.
  mutating func progress() -> (LessonProgress, warning: String?) {
    let warning = store.reload()
    return (store.progress, warning)
  }

  // MARK: A lesson's own commands

  /// Where the commands a lesson supplies (catch-up, a step's command run as
  /// typed) read and write: confined as `vaelab run` confines a lesson, reading
  /// from the lesson's folder and writing only into a directory of its own,
  /// `lesson-files/NAME` beside the progress file (a fresh temporary directory
  /// when progress is kept in memory). What the student types or edits runs
  /// with the student's rights instead.
  mutating func files(for entry: LessonCatalog.Entry) throws(LabError) -> FileAccess {
    if let files = lessonFiles[entry.name] { return files }
    let files: FileAccess
    if let progress = store.path {
      // A file name may hold anything but '/'; the directory's name keeps letters, digits, '-' and '_'.
      let name = String(entry.name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "_" })
      files = try FileAccess.confined(
        toLessonAt: entry.path, scratch: FileIO.directory(of: progress) + "lesson-files/" + name)
    } else {
      files = try FileAccess.confined(toLessonAt: entry.path)
    }
    lessonFiles[entry.name] = files
    return files
  }

  /// The directories the lessons taken in this session wrote into, by lesson name.
  public var lessonFileDirectories: [String: String] {
    lessonFiles.compactMapValues(\.scratchDirectory)
  }

  /// Removes the temporary directories of lessons whose commands wrote nothing
  /// (those beside the progress file stay, for the student to find).
  public func removeEmptyTemporaryFiles() {
    guard store.path == nil else { return }
    for files in lessonFiles.values where !files.scratchHoldsFiles { files.removeScratch() }
  }

  // MARK: Moving between steps

  /// Starts `entry` at `step` (from 0), or past its end to finish it; the
  /// notes say why progress was not saved, if it was not.
  mutating func begin(_ entry: LessonCatalog.Entry, at step: Int) -> [String] {
    playing = Playing(entry: entry, step: min(max(step, 0), entry.plan.steps.count))
    if !started.contains(entry.name) { started.append(entry.name) }
    return saveStep()
  }

  /// Moves the lesson being taken by `offset` steps (kept within it; moving past
  /// the last step finishes it). The notes say why progress was not saved.
  mutating func move(by offset: Int) throws(LabError) -> [String] {
    var current = try requirePlaying()
    current.step = min(max(current.step + offset, 0), current.entry.plan.steps.count)
    playing = current
    return saveStep()
  }

  /// Leaves the lesson; its progress stays.
  mutating func quit() throws(LabError) -> LessonCatalog.Entry {
    let current = try requirePlaying()
    playing = nil
    return current.entry
  }

  private mutating func saveStep() -> [String] {
    guard let playing else { return [] }
    established = (playing.entry.name, playing.step)
    let steps = playing.entry.plan.steps.count
    let finished = playing.step >= steps
    if finished { self.playing = nil }
    let step = playing.step + 1
    let warning = save(playing.entry.name, steps: steps) { record in
      record.step = step
      if finished { record.done = true }
    }
    return warning.map { [$0] } ?? []
  }

  // MARK: Writing the progress file

  /// A change to one lesson's record in the progress file, held back to be written with others.
  struct HeldChange: Sendable {
    var lesson: String
    var steps: Int
    var change: @Sendable (inout LessonProgress.Record) -> Void
  }
  /// The changes held back while `writingOnce` runs; nil when each change is written at once.
  private var held: [HeldChange]?

  /// Writes `change` to the progress file, or holds it back inside `writingOnce`;
  /// says why it was not saved, if it was not.
  private mutating func save(
    _ lesson: String, steps: Int, _ change: @escaping @Sendable (inout LessonProgress.Record) -> Void
  ) -> String? {
    guard var changes = held else { return store.update(lesson, steps: steps, change) }
    changes.append(HeldChange(lesson: lesson, steps: steps, change: change))
    held = changes
    return nil
  }

  /// Runs `body`, writing every change it makes to the progress file together,
  /// once, at its end (an answer records a try, a hint, the solution shown and
  /// the next step in one write); the warning says why they were not saved.
  mutating func writingOnce<Result>(_ body: (inout LessonDesk) -> Result) -> (Result, warning: String?) {
    held = []
    let result = body(&self)
    let changes = held ?? []
    held = nil
    return (result, changes.isEmpty ? nil : store.update(changes))
  }

  /// The current step's command or exercise, if a lesson is being taken.
  var currentAction: LessonPlan.Action? {
    guard let playing, playing.step < playing.entry.plan.steps.count else { return nil }
    return playing.entry.plan.steps[playing.step].action
  }

  var currentExercise: Exercise? {
    if case .exercise(let exercise) = currentAction { exercise } else { nil }
  }

  // MARK: Exercises

  /// The exercise `id` names, with the lesson holding it: the current step's
  /// for nil; else looked up in the lesson being taken, the notebook's lessons,
  /// then the whole catalog.
  mutating func exercise(_ id: String?) throws(LabError) -> (lesson: String, exercise: Exercise) {
    loadCatalog()
    guard let id else {
      guard let playing, let exercise = currentExercise else {
        throw LabError(
          playing == nil
            ? "no lesson is being taken, so name the exercise: answer ID VALUE"
            : "this step of the lesson is not an exercise; 'again' shows it")
      }
      return (playing.entry.name, exercise)
    }
    let candidates =
      (playing.map { [$0.entry] } ?? [])
      + context.compactMap { name in catalog?.entries.first { $0.name == name } }
      + (catalog?.entries ?? [])
    for entry in candidates {
      if let exercise = entry.plan.exercises.first(where: { $0.id == id }) { return (entry.name, exercise) }
    }
    throw LabError("there is no exercise '\(id)'\(playing.map { " in lesson \($0.entry.number)" } ?? "")")
  }

  /// Counts an answer, and writes it to the progress file.
  mutating func recordAnswer(lesson: String, id: String, passed: Bool) -> (LessonProgress.ExerciseRecord, String?) {
    var outcome = outcomes[lesson, default: [:]][id, default: LessonProgress.ExerciseRecord()]
    outcome.tries = Self.counted(outcome.tries)
    outcome.passed = outcome.passed || passed
    outcomes[lesson, default: [:]][id] = outcome
    return (
      outcome,
      saveOutcome(lesson: lesson, id: id) {
        $0.tries = Self.counted($0.tries)
        $0.passed = $0.passed || passed
      }
    )
  }

  /// One more than `count`, up to the most progress records.
  static func counted(_ count: Int) -> Int { min(count, LessonProgress.largestCount - 1) + 1 }

  /// Lessons started in this session, in the order first started.
  public private(set) var started: [String] = []

  /// The lessons a notebook saved now names: those started or answered in this session.
  public var lessonsTaken: [String] {
    let answered = (catalog?.entries.map(\.name) ?? outcomes.keys.sorted()).filter { outcomes[$0] != nil }
    return started + answered.filter { !started.contains($0) }
  }

  /// What a notebook saved now states of lessons: the lessons taken
  /// (`lesson:` front matter, so that `vaelab check` judges the answers again)
  /// and how each exercise went.
  public var notebookPreface: NotebookPreface {
    let lessons = lessonsTaken
    guard !lessons.isEmpty else { return NotebookPreface() }
    var prose: [String] = []
    for lesson in lessons {
      prose.append("Exercises of lesson \(lesson) (as recorded; 'vaelab check' judges the answers again):")
      prose.append("")
      for (id, outcome) in (outcomes[lesson] ?? [:]).sorted(by: { $0.key < $1.key }) {
        var facts = ["\(outcome.tries) \(outcome.tries == 1 ? "try" : "tries")"]
        if outcome.hints > 0 { facts.append("\(outcome.hints) hint\(outcome.hints == 1 ? "" : "s")") }
        if outcome.solutionShown { facts.append("solution shown") }
        if outcome.skipped { facts.append("skipped") }
        prose.append("- \(id): \(outcome.passed ? "passed" : "not passed") (\(facts.joined(separator: ", ")))")
      }
      prose.append("")
    }
    return NotebookPreface(frontMatter: [("lesson", lessons.joined(separator: ", "))], prose: prose)
  }

  mutating func recordSolutionShown(lesson: String, id: String) -> String? {
    outcomes[lesson, default: [:]][id, default: LessonProgress.ExerciseRecord()].solutionShown = true
    return saveOutcome(lesson: lesson, id: id) { $0.solutionShown = true }
  }

  mutating func recordSkipped(lesson: String, id: String) -> String? {
    outcomes[lesson, default: [:]][id, default: LessonProgress.ExerciseRecord()].skipped = true
    return saveOutcome(lesson: lesson, id: id) { $0.skipped = true }
  }

  /// The next hint of `exercise` not yet shown in this session (numbered),
  /// or nil when all were.
  mutating func nextHint(of exercise: Exercise, in lesson: String) -> (number: Int, text: String)? {
    let shown = outcomes[lesson]?[exercise.id]?.hints ?? 0
    guard shown < exercise.hints.count else { return nil }
    outcomes[lesson, default: [:]][exercise.id, default: LessonProgress.ExerciseRecord()].hints = shown + 1
    _ = saveOutcome(lesson: lesson, id: exercise.id) {
      $0.hints = min(max($0.hints, shown + 1), LessonProgress.largestCount)
    }
    return (shown + 1, exercise.hints[shown])
  }

  private mutating func saveOutcome(
    lesson: String, id: String, _ change: @escaping @Sendable (inout LessonProgress.ExerciseRecord) -> Void
  ) -> String? {
    guard let entry = catalog?.entries.first(where: { $0.name == lesson }) else { return nil }
    return save(lesson, steps: entry.plan.steps.count) { record in
      change(&record.exercises[id, default: LessonProgress.ExerciseRecord()])
    }
  }

  /// Forgets the progress of the named lessons (all for nil).
  mutating func reset(_ names: [String]?) -> String? {
    if let playing, names == nil || names?.contains(playing.entry.name) == true { self.playing = nil }
    return store.reset(names)
  }
}
