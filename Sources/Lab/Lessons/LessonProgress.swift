import Foundation

/// How far a student has come in each lesson, and how each exercise went.
public struct LessonProgress: Codable, Sendable, Equatable {
  public struct Record: Codable, Sendable, Equatable {
    /// The step to show next, from 1.
    public var step: Int
    /// The lesson's number of steps when this was written.
    public var steps: Int
    public var done: Bool
    public var exercises: [String: ExerciseRecord]
  }

  public struct ExerciseRecord: Codable, Sendable, Equatable {
    public var tries = 0
    public var passed = false
    /// Hints shown.
    public var hints = 0
    public var skipped = false
    public var solutionShown = false

    enum CodingKeys: String, CodingKey {
      case tries, passed, hints, skipped
      case solutionShown = "solution_shown"
    }
  }

  public var version = 1
  public var lessons: [String: Record] = [:]

  /// The most steps a lesson, and the most tries or hints an exercise, is counted to.
  static let largestCount = 1_000_000

  /// Whether every number in it is one vaelab could have written.
  var isValid: Bool {
    let counts = 0...Self.largestCount
    return version == 1
      && lessons.values.allSatisfy { record in
        counts.contains(record.steps) && (1...record.steps + 1).contains(record.step)
          && record.exercises.values.allSatisfy { counts.contains($0.tries) && counts.contains($0.hints) }
      }
  }
}

/// The progress file: `$XDG_STATE_HOME/vaelab/lessons.json` (else
/// `~/.local/state/vaelab/lessons.json`), never beside a lesson or the install.
/// Every change is written at once and atomically, so a crash loses nothing
/// done before it; each change re-reads the file first, so two shells taking
/// different lessons do not undo each other. A file that cannot be read as
/// progress is reported, set aside as `lessons.json.corrupt`, and replaced.
/// Nothing is read until a lesson command needs it.
public struct LessonProgressStore: Sendable {
  /// Nil for progress kept only in memory (`vaelab run` and `check`).
  public let path: String?
  public private(set) var progress = LessonProgress()

  /// Largest progress file read: far beyond what any real progress needs.
  static let largestFile = 4 << 20

  /// An in-memory store.
  public init() { path = nil }

  /// The store at `path`, read when first needed.
  public init(path: String) { self.path = path }

  public static func defaultPath(environment: [String: String]) -> String {
    StateDirectory.path(environment: environment) + "/lessons.json"
  }

  /// Applies `change` to the lesson's record (a fresh one if it has none) and
  /// writes the file; the message says why it could not be written, if it could not.
  public mutating func update(_ lesson: String, steps: Int, _ change: (inout LessonProgress.Record) -> Void) -> String?
  {
    var warning = reload()
    var record =
      progress.lessons[lesson] ?? LessonProgress.Record(step: 1, steps: steps, done: false, exercises: [:])
    record.steps = steps
    change(&record)
    progress.lessons[lesson] = record
    if let failure = write() { warning = [warning, failure].compactMap { $0 }.joined(separator: "; ") }
    return warning
  }

  /// Forgets the named lessons (all of them for nil) and writes the file.
  public mutating func reset(_ lessons: [String]?) -> String? {
    let warning = reload()
    if let lessons {
      for lesson in lessons { progress.lessons[lesson] = nil }
    } else {
      progress.lessons = [:]
    }
    return [warning, write()].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
  }

  /// Reads the file again (nothing for an in-memory store or a missing file);
  /// the message says what was wrong with a file that had to be set aside.
  mutating func reload() -> String? {
    guard let path, FileManager.default.fileExists(atPath: path) else { return nil }
    let reason: String
    do {
      let bytes = try FileIO.readBytes(path)
      if bytes.count > Self.largestFile {
        reason = "it is \(bytes.count) bytes, far more than progress takes"
      } else if let decoded = try? JSONDecoder().decode(LessonProgress.self, from: Data(bytes)) {
        guard decoded.isValid else {
          reason = "it holds steps or counts out of range"
          return setAside(path, reason: reason)
        }
        progress = decoded
        return nil
      } else {
        reason = "it is not lesson progress as vaelab writes it"
      }
    } catch {
      reason = error.message
    }
    return setAside(path, reason: reason)
  }

  /// Moves the file to `PATH.corrupt` (or `.corrupt.1` ... when taken) and forgets its progress.
  private mutating func setAside(_ path: String, reason: String) -> String {
    progress = LessonProgress()
    let corrupt =
      ([path + ".corrupt"] + (1..<100).map { path + ".corrupt.\($0)" }).first {
        !FileManager.default.fileExists(atPath: $0)
      } ?? path + ".corrupt"
    let moved = rename(path, corrupt) == 0
    return
      "the lesson progress in \(path) could not be read (\(reason)); "
      + (moved ? "it was kept as \(corrupt) and " : "")
      + "progress starts afresh"
  }

  private func write() -> String? {
    guard let path else { return nil }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
      let data = try encoder.encode(progress)
      let directory = FileIO.directory(of: path)
      if !directory.isEmpty {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      }
      try FileIO.writeAtomically(bytes: Array(data), to: path)
      return nil
    } catch let error as LabError {
      return "progress was not saved: \(error.message)"
    } catch {
      return "progress was not saved: \(error.localizedDescription)"
    }
  }
}

/// Where vaelab keeps state between sessions (history, lesson progress):
/// `$XDG_STATE_HOME/vaelab`, else `~/.local/state/vaelab` (the XDG Base
/// Directory Specification's default).
public enum StateDirectory {
  public static func path(environment: [String: String]) -> String {
    let state =
      environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
      ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local/state")
    return state + "/vaelab"
  }
}

extension String {
  var nilIfEmpty: String? { isEmpty ? nil : self }
}
