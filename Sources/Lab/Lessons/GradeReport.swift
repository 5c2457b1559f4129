import Foundation

/// `vaelab grade`: for each notebook a student saved while taking lessons, how
/// many of each lesson's exercises it passes. Nothing is taken from what the
/// notebook claims: it is run again from the start (as `vaelab check` runs it,
/// confined), its answers are judged again against the lesson, and outputs that
/// differ from what it records (an edited notebook, or another machine) are
/// counted beside.
public struct GradeReport: Encodable, Sendable {
  public struct Row: Encodable, Sendable {
    public var file: String
    /// Nil for a notebook that was not saved while taking a lesson.
    public var lesson: String?
    public var exercises: Int
    public var passed: Int
    /// Exercises answered at least once.
    public var attempted: Int
    public var hints: Int
    public var solutionsShown: Int
    public var skipped: Int
    /// Recorded outputs the run does not reproduce.
    public var outputsDiffering: Int
    /// Why the file could not be graded, if it could not.
    public var problem: String?

    enum CodingKeys: String, CodingKey {
      case file, lesson, exercises, passed, attempted, hints
      case solutionsShown = "solutions_shown"
      case skipped
      case outputsDiffering = "outputs_differing"
      case problem
    }

    static func failed(_ file: String, _ problem: String) -> Row {
      Row(
        file: file, lesson: nil, exercises: 0, passed: 0, attempted: 0, hints: 0, solutionsShown: 0, skipped: 0,
        outputsDiffering: 0, problem: problem)
    }
  }

  public var rows: [Row]
  /// Set when Ctrl-C stopped the grading: the rows so far are complete, the rest missing.
  public var interrupted = false

  /// Whether some file could not be graded.
  public var hasProblems: Bool { rows.contains { $0.problem != nil } }

  /// Grades each file; `confine` gives the file access a notebook's commands get.
  public static func grade(
    _ files: [String], lessons catalog: LessonCatalog?, confine: (String) throws(LabError) -> FileAccess,
    shouldStop: @escaping @Sendable () -> Bool
  ) -> GradeReport {
    var report = GradeReport(rows: [])
    for file in files {
      do {
        let transcript = try Transcript(parsing: try FileIO.readText(file), name: file)
        let names = transcript.lessonNames
        guard !names.isEmpty else {
          report.rows.append(.failed(file, "not saved while taking a lesson (no 'lesson:' in its front matter)"))
          continue
        }
        let access = try confine(file)
        defer { access.removeScratch() }
        let result = try TranscriptChecker.check(
          transcript, file: file, files: access, lessons: catalog, shouldStop: shouldStop)
        if result.interruptedAt != nil {
          report.interrupted = true
          break
        }
        // The lessons it names, and any other whose exercises it answered.
        let answered = (catalog?.entries.map(\.name) ?? []).filter { result.outcomes[$0] != nil }
        for name in names + answered.filter({ !names.contains($0) }) {
          let exercises = catalog?.entries.first { $0.name == name }?.plan.exercises.map(\.id) ?? []
          let outcomes = exercises.compactMap { result.outcomes[name]?[$0] }
          report.rows.append(
            Row(
              file: file, lesson: name, exercises: exercises.count, passed: outcomes.filter(\.passed).count,
              attempted: outcomes.filter { $0.tries > 0 }.count, hints: outcomes.reduce(0) { $0 + $1.hints },
              solutionsShown: outcomes.filter(\.solutionShown).count, skipped: outcomes.filter(\.skipped).count,
              outputsDiffering: result.mismatches.count, problem: nil))
        }
      } catch {
        report.rows.append(.failed(file, error.message))
      }
    }
    return report
  }

  static let headers = [
    "file", "lesson", "passed", "exercises", "attempted", "hints", "solutions_shown", "skipped",
    "outputs_differing", "problem",
  ]

  func cells(_ row: Row) -> [String] {
    guard row.problem == nil else { return [row.file] + Array(repeating: "", count: 8) + [row.problem ?? ""] }
    return [
      row.file, row.lesson ?? "", String(row.passed), String(row.exercises), String(row.attempted),
      String(row.hints), String(row.solutionsShown), String(row.skipped), String(row.outputsDiffering),
      row.problem ?? "",
    ]
  }

  /// An aligned table; a notebook whose outputs differ is marked, as its
  /// answers ran on something other than what it records.
  public var text: String {
    // A class's report shows every student: it is not cut short as a long result is.
    var table = TextTable(
      [
        ("file", .left), ("lesson", .left), ("passed", .right), ("hints", .right), ("solutions", .right),
        ("skipped", .right), ("outputs", .left),
      ], abridged: false)
    for row in rows {
      if let problem = row.problem {
        table.append([row.file, "-", "-", "-", "-", "-", "cannot grade: \(problem)"])
        continue
      }
      table.append([
        row.file, row.lesson ?? "-", "\(row.passed) of \(row.exercises)", String(row.hints),
        String(row.solutionsShown), String(row.skipped),
        row.outputsDiffering == 0 ? "as recorded" : "\(row.outputsDiffering) differ from the record",
      ])
    }
    return table.rendered + (interrupted ? "\n(interrupted by Ctrl-C: the files after these were not graded)" : "")
  }

  /// RFC 4180 CSV: a header line, then one line a row; cells with a comma,
  /// quote or line break are quoted, quotes doubled.
  public var csv: String {
    func cell(_ text: String) -> String {
      text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
    return ([Self.headers] + rows.map(cells)).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\r\n")
      + "\r\n"
  }

  public var json: String {
    (try? JSONValueEncoder.encode(self).serialized) ?? "{}"
  }
}

extension Transcript {
  /// The lessons a notebook was saved while taking (`lesson: a, b` in its front matter).
  public var lessonNames: [String] {
    (frontMatter["lesson"] ?? "").split(separator: ",").map(\.trimmingBlanks).filter { !$0.isEmpty }
  }
}
