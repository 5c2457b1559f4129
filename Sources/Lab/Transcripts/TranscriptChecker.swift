/// `vaelab check`: re-runs every command of a transcript in one fresh session
/// (seeded from the front matter, else 0) and compares what it prints with the
/// expected output, reporting each mismatch as a diff with file and line.
public enum TranscriptChecker {
  public struct Mismatch: Sendable {
    public var file: String
    /// 1-based line of the command.
    public var line: Int
    public var input: String
    public var expected: [String]
    public var actual: [String]
    /// The unified-style line diff of the two: `  ` same, `- ` expected, `+ ` actual.
    public var diff: [String]

    /// `FILE:LINE: output of 'CMD' differs` and the diff.
    public var report: String {
      (["\(file):\(line): output of '\(input)' differs (- expected, + actual):"] + diff).joined(separator: "\n")
    }
  }

  /// An exercise that rejects its own solution, or accepts an answer its author listed as wrong.
  public struct ExerciseProblem: Sendable {
    public var file: String
    /// 1-based line of the exercise's opening fence.
    public var line: Int
    public var id: String
    public var message: String

    public var report: String { "\(file):\(line): exercise '\(id)': \(message)" }
  }

  public struct FileResult: Sendable {
    public var file: String
    public var commandCount: Int
    public var mismatches: [Mismatch]
    public var exerciseCount: Int
    public var exerciseProblems: [ExerciseProblem]
    /// The file with its expected outputs replaced by the actual ones, to be
    /// written over `file` by `check --update`. Reading it asks whether `file`
    /// may be rewritten (`UpdatePermission`), and throws the reason when it may
    /// not, so that a read-only lesson is never replaced.
    public var updatedText: String {
      get throws(LabError) {
        if let refusal = UpdatePermission.refusal(toUpdate: file) { throw refusal }
        return replacedText
      }
    }
    /// `updatedText`, unchecked.
    var replacedText: String
    /// The 1-based line of the command Ctrl-C stopped the check at, if it did:
    /// then the result is incomplete, and nothing should be written from it.
    public var interruptedAt: Int?
    /// How the notebook's answers to lessons' exercises went when judged again
    /// now, by lesson then exercise id (empty for a file that answered none).
    public var outcomes: [String: [String: LessonProgress.ExerciseRecord]]
  }

  /// Checks `transcript` (read from `file`), its commands reading and writing
  /// files as `files` allows; a notebook saved during lessons has its answers
  /// judged again against `lessons`. Each command's output is matched within
  /// `OutputMatcher.blockSteps` steps, else the check throws an error naming the
  /// command's line; `shouldStop` (Ctrl-C) is asked between commands and during
  /// matches and diffs, and stops the check where it is (`interruptedAt`).
  public static func check(
    _ transcript: Transcript, file: String, files: FileAccess, lessons: LessonCatalog? = nil,
    shouldStop: @escaping @Sendable () -> Bool = { false }
  ) throws(LabError) -> FileResult {
    var runner = try LessonRunner.running(transcript, files: files, lessons: lessons, shouldStop: shouldStop)
    var mismatches: [Mismatch] = []
    // What --update writes: the expected output where it matched (so `...` and
    // the author's precision survive), the actual output where it did not.
    var kept: [[String]] = []
    var interruptedAt: Int? = nil
    var diffBudget = LineDiff.fileBudget
    var diffSteps = OutputMatcher.Budget(steps: LineDiff.fileSteps, shouldStop: shouldStop)
    for command in transcript.commands {
      let actual = Tokenizer.statements(command.input).flatMap { runner.execute($0).transcriptLines }
      // Ctrl-C: this command's output may be cut short, and the rest are not run.
      guard !shouldStop() else {
        interruptedAt = command.inputLine + 1
        break
      }
      switch OutputMatcher.match(expected: command.expected, actual: actual, shouldStop: shouldStop) {
      case .matches:
        kept.append(command.expected)
        continue
      case .stopped:
        interruptedAt = command.inputLine + 1
      case .tooMuchWork:
        throw LabError(
          "\(file):\(command.inputLine + 1): matching the output of '\(command.input)' (\(actual.count) lines) against its \(command.expected.count) expected lines took more than \(OutputMatcher.blockSteps) steps, the limit for one command; put fewer lines or pieces between its '...' wildcards"
        )
      case .differs: break
      }
      if interruptedAt != nil { break }
      let diff = LineDiff.lines(
        expected: command.expected.trimmingTrailingBlankLines, actual: actual.trimmingTrailingBlankLines,
        budget: &diffBudget, steps: &diffSteps)
      mismatches.append(
        Mismatch(
          file: file, line: command.inputLine + 1, input: command.input, expected: command.expected, actual: actual,
          diff: diff))
      // Keep a blank line the author left before the closing fence or the next command.
      let trailingBlanks = command.expected.count - command.expected.trimmingTrailingBlankLines.count
      kept.append(actual.trimmingTrailingBlankLines + Array(repeating: "", count: trailingBlanks))
    }
    var problems: [ExerciseProblem] = []
    if interruptedAt == nil {
      for exercise in transcript.exercises {
        for message in validate(exercise, seed: transcript.seed, files: files, shouldStop: shouldStop) {
          problems.append(ExerciseProblem(file: file, line: exercise.line + 1, id: exercise.id, message: message))
        }
      }
    }
    return FileResult(
      file: file, commandCount: transcript.commands.count, mismatches: mismatches,
      exerciseCount: transcript.exercises.count, exerciseProblems: problems,
      replacedText: transcript.replacingExpectedOutputs(with: kept), interruptedAt: interruptedAt,
      outcomes: runner.desk.outcomes)
  }

  /// Runs `command` after `setup` in a fresh session of the file's seed: its JSON result, or its error.
  static func run(
    _ setup: [String], _ command: String, seed: UInt64, files: FileAccess,
    shouldStop: @escaping @Sendable () -> Bool
  ) -> Result<JSON, LabError> {
    var engine = Engine(session: Session(seed: seed, files: files, shouldStop: shouldStop))
    for line in setup {
      let reply = engine.execute(line)
      if let error = reply.error { return .failure(LabError("setup '\(line)' failed: \(error)")) }
    }
    let reply = engine.execute(command)
    if let error = reply.error { return .failure(LabError(error)) }
    return reply.json.map { .success($0) } ?? .failure(LabError("'\(command)' gives no result"))
  }

  /// What is wrong with `exercise`: its solution (or a number's `verify:`
  /// command) must pass its own check, and each listed wrong answer must fail.
  static func validate(
    _ exercise: Exercise, seed: UInt64, files: FileAccess, shouldStop: @escaping @Sendable () -> Bool
  ) -> [String] {
    let runner = { (setup: [String], command: String) in
      run(setup, command, seed: seed, files: files, shouldStop: shouldStop)
    }
    var problems: [String] = []
    switch exercise.kind {
    case .command:
      if let solution = exercise.solution {
        let assessment = exercise.assess(solution, run: runner)
        if !assessment.passed {
          problems.append("its solution '\(solution)' fails its own check: \(assessment.feedback)")
        }
      }
    case .number(let answer, let tolerance, let verify):
      if let (command, path) = verify {
        switch runner(exercise.setup, command) {
        case .failure(let error): problems.append("verify '\(command)' failed: \(error.message)")
        case .success(let json):
          if let value = path.number(in: json) {
            if abs(value - answer) > tolerance {
              problems.append(
                "verify '\(command)' gives \(path) = \(value), outside the answer \(NumberFormat.shortest(answer)) +- \(NumberFormat.shortest(tolerance))"
              )
            }
          } else {
            problems.append("verify '\(command)' has no number at '\(path)'")
          }
        }
      }
    case .choice: break
    }
    for wrong in exercise.wrongAnswers where exercise.assess(wrong, run: runner).passed {
      problems.append("the wrong answer '\(wrong)' passes its check")
    }
    return problems
  }
}

/// A line diff by longest common subsequence, where lines are "equal" when
/// `OutputMatcher.lineMatches` accepts them. Lines that agree at the start and
/// the end are taken off first; when what is left would need more line
/// comparisons than `budget` has left, or than `largestTable` (outputs of
/// thousands of lines that differ throughout), it is shown as the expected lines
/// removed and the actual ones added, rather than spending minutes on a table.
/// (About 0.7 s a million comparisons in a release build.) The comparisons'
/// own work is counted against `steps` (`fileSteps` for one file's diffs, Ctrl-C
/// asked as the matcher asks it): when it runs out, or Ctrl-C comes, the diff in
/// progress and those after it are shown as blocks too.
public enum LineDiff {
  public static let largestTable = 1_000_000
  /// The comparisons one file's diffs may make in all.
  public static let fileBudget = 8_000_000
  /// The matcher's steps one file's diffs may take in all.
  public static let fileSteps = 200_000_000

  public static func lines(expected: [String], actual: [String], budget: inout Int) -> [String] {
    var steps = OutputMatcher.Budget(steps: fileSteps, shouldStop: { false })
    return lines(expected: expected, actual: actual, budget: &budget, steps: &steps)
  }

  static func lines(
    expected: [String], actual: [String], budget: inout Int, steps: inout OutputMatcher.Budget
  ) -> [String] {
    do {
      return try table(expected: expected, actual: actual, budget: &budget, steps: &steps)
    } catch {
      // Later diffs of the file go straight to blocks.
      steps.remaining = 0
      return expected.map { "- " + $0 } + actual.map { "+ " + $0 }
    }
  }

  static func table(
    expected: [String], actual: [String], budget: inout Int, steps: inout OutputMatcher.Budget
  ) throws(OutputMatcher.Halt) -> [String] {
    let patterns = expected.map(OutputMatcher.LinePattern.init)
    let targets = actual.map(OutputMatcher.Target.init)
    func same(_ i: Int, _ j: Int) throws(OutputMatcher.Halt) -> Bool {
      try steps.spend(1)
      return try patterns[i].matches(targets[j], budget: &steps)
    }
    var (start, end) = (0, (expected.count, actual.count))
    while start < min(expected.count, actual.count), try same(start, start) { start += 1 }
    while end.0 > start && end.1 > start, try same(end.0 - 1, end.1 - 1) { end = (end.0 - 1, end.1 - 1) }
    let (m, n) = (end.0 - start, end.1 - start)
    var result = actual[..<start].map { "  " + $0 }
    if m * n > min(largestTable, budget) {
      result += expected[start..<end.0].map { "- " + $0 } + actual[start..<end.1].map { "+ " + $0 }
    } else {
      budget -= m * n
      // common[i][j]: length of the LCS of the middle's expected[i...] and actual[j...].
      var common = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: m + 1)
      var matching = [[Bool]](repeating: [Bool](repeating: false, count: n + 1), count: m + 1)
      for i in stride(from: m - 1, through: 0, by: -1) {
        for j in stride(from: n - 1, through: 0, by: -1) {
          matching[i][j] = try same(start + i, start + j)
          common[i][j] = matching[i][j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
        }
      }
      var (i, j) = (0, 0)
      while i < m || j < n {
        if i < m && j < n && matching[i][j] {
          result.append("  " + actual[start + j])
          i += 1
          j += 1
        } else if i < m && (j == n || common[i + 1][j] >= common[i][j + 1]) {
          result.append("- " + expected[start + i])
          i += 1
        } else {
          result.append("+ " + actual[start + j])
          j += 1
        }
      }
    }
    return result + actual[end.1...].map { "  " + $0 }
  }
}
