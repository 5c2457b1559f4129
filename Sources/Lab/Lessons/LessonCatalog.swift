import Foundation

/// The lessons a student can take: the `.md` files of one directory, in the
/// order of their names (`01-kl-anchors.md`, `02-...`), each named by its file
/// name without `.md` and numbered from 1 in that order.
public struct LessonCatalog: Sendable {
  public struct Entry: Sendable {
    /// The file name without `.md`: `01-kl-anchors`.
    public var name: String
    /// Its place in the catalog, from 1.
    public var number: Int
    public var path: String
    public var plan: LessonPlan
  }

  /// The directory, as an absolute path.
  public let directory: String
  public let entries: [Entry]
  /// Files that are not lessons vaelab can read, with the reason (shown by the list).
  public let unreadable: [(name: String, reason: String)]

  /// The lessons in `directory`; a file that does not parse is listed in `unreadable`.
  public init(directory: String) throws(LabError) {
    guard let absolute = FileAccess.canonical(directory) else {
      throw LabError("cannot open the lessons directory \(directory): \(String(cString: strerror(errno)))")
    }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: absolute) else {
      throw LabError("cannot list the lessons directory \(directory)")
    }
    self.directory = absolute
    var entries: [Entry] = []
    var unreadable: [(String, String)] = []
    for file in names.filter({ $0.hasSuffix(".md") }).sorted() {
      // The name is shown and typed: a file name's control characters are made visible.
      let name = TerminalText.visibleLine(String(file.dropLast(3)))
      let path = absolute + "/" + file
      do {
        let transcript = try Transcript(parsing: try FileIO.readText(path), name: file)
        entries.append(
          Entry(name: name, number: entries.count + 1, path: path, plan: LessonPlan(transcript, name: name)))
      } catch {
        unreadable.append((name, error.message))
      }
    }
    self.entries = entries
    self.unreadable = unreadable
  }

  /// The lesson `key` names: its number, its name (`01-kl-anchors`), or its
  /// name without the number (`kl-anchors`).
  public func entry(_ key: String) throws(LabError) -> Entry {
    if let number = Int(key) {
      guard (1...max(1, entries.count)).contains(number), number <= entries.count else {
        throw LabError(
          "there is no lesson \(number); the lessons are numbered 1 to \(entries.count) ('lesson' lists them)")
      }
      return entries[number - 1]
    }
    if let found = entries.first(where: { $0.name == key || Self.withoutNumber($0.name) == key }) { return found }
    var message = "there is no lesson '\(key)'"
    if let suggestion = Suggestions.closest(
      to: key, in: entries.map(\.name) + entries.map { Self.withoutNumber($0.name) })
    {
      message += "; did you mean '\(suggestion)'?"
    }
    throw LabError(message + " ('lesson' lists them)")
  }

  /// The lesson after `entry`, if there is one.
  public func entry(after entry: Entry) -> Entry? {
    entry.number < entries.count ? entries[entry.number] : nil
  }

  /// The lesson holding an exercise with this id, if one does.
  public func entry(holdingExercise id: String) -> Entry? {
    entries.first { $0.plan.exercises.contains { $0.id == id } }
  }

  /// `kl-anchors` for `01-kl-anchors`.
  static func withoutNumber(_ name: String) -> String {
    let digits = name.prefix { $0.isNumber }
    return !digits.isEmpty && name.dropFirst(digits.count).first == "-"
      ? String(name.dropFirst(digits.count + 1)) : name
  }

  /// Where the lessons are: `$VAELAB_LESSONS`; else the first `lessons`
  /// directory in the executable's directory or above it (a build inside the
  /// repository finds the repository's); else `lessons` in the working directory.
  public static func defaultDirectory(environment: [String: String], executable: String) -> String? {
    if let path = environment["VAELAB_LESSONS"], !path.isEmpty { return path }
    var directory = FileAccess.canonical(executable).map { ($0 as NSString).deletingLastPathComponent } ?? "/"
    while directory != "/" {
      let candidate = directory + "/lessons"
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
        return candidate
      }
      directory = (directory as NSString).deletingLastPathComponent
    }
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: "lessons", isDirectory: &isDirectory) && isDirectory.boolValue
      ? "lessons" : nil
  }
}
