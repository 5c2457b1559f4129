import Foundation

/// Where a session's commands may read and write files.
///
/// What the user types (the shell, `-c`, piped input, their own scripts) runs
/// with the user's rights: `unrestricted`. A lesson is data that may come from
/// anyone, so `vaelab run` and `vaelab check` run it `confined`: its writes land
/// in a fresh scratch directory and its reads stay in its own directory, unless
/// the user passes `--trust`.
///
/// Every file a command reads or writes goes through `readBytes` and `write`,
/// which resolve the path and name the file in errors as the command gave it.
public struct FileAccess: Sendable, Equatable {
  /// A confined session's directories, each an absolute path with symlinks resolved.
  struct Confinement: Sendable, Equatable {
    /// Where writes go; relative paths resolve here first, for reading too.
    var scratch: String
    /// The lesson's own directory: relative reads resolve here when the scratch
    /// directory has no such file.
    var lessonDirectory: String
    /// How a refused read or write can be had: what the user can do about it.
    var advice = FileAccess.trustAdvice
  }

  let confinement: Confinement?
  /// What the command running now has written: kept in memory, so that an
  /// exported page inlines the figure a command drew, never a file of the same
  /// name found elsewhere. The engine takes it after every command.
  var written: [WrittenFile] = []

  /// A file a command wrote.
  public struct WrittenFile: Sendable, Equatable {
    /// The path as the command was given it.
    public var path: String
    /// Where it landed (inside the scratch directory, for a confined session).
    public var location: String
    /// What was written, for text (a figure, a notebook); nil for binary files (checkpoints).
    public var text: String?
  }
  /// Directories a relative read falls back to when the file is not where the
  /// path leads (and, confined, may read from): the lessons' directory while a
  /// lesson is taken, or a notebook of one is checked, so its data files load.
  var libraries: [String] = []

  /// Reads and writes wherever the user can, relative paths from the working directory.
  public static let unrestricted = FileAccess(confinement: nil)

  /// This access, also reading relative paths from `directory` (absolute, symlinks resolved).
  public func readingAlso(from directory: String) -> FileAccess {
    var access = self
    if !access.libraries.contains(directory) { access.libraries.append(directory) }
    return access
  }

  /// The scratch directory of a confined session (where its files were written).
  public var scratchDirectory: String? { confinement?.scratch }

  /// Confines a lesson at `lessonPath` to its own directory for reads and
  /// `scratch` for writes (made, mode 0700, if it does not exist): the lesson
  /// player keeps one such directory per lesson in the user's state directory,
  /// so a student finds what a lesson's commands wrote.
  public static func confined(toLessonAt lessonPath: String, scratch: String) throws(LabError) -> FileAccess {
    do {
      try FileManager.default.createDirectory(
        atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw LabError("cannot make the directory \(scratch) for the files of lesson \(lessonPath)")
    }
    let lessonDirectory = FileIO.directory(of: lessonPath)
    guard let scratch = canonical(scratch), let directory = canonical(lessonDirectory.isEmpty ? "." : lessonDirectory)
    else { throw LabError("cannot find the directory of \(lessonPath): \(String(cString: strerror(errno)))") }
    return FileAccess(
      confinement: Confinement(scratch: scratch, lessonDirectory: directory, advice: playerAdvice))
  }

  static let playerAdvice = "a command you type or edit yourself reads and writes where you say"

  /// Confines a lesson at `lessonPath`: a fresh scratch directory (mode 0700,
  /// under `TMPDIR` or `/tmp`) for its writes, its own directory for its reads.
  public static func confined(toLessonAt lessonPath: String) throws(LabError) -> FileAccess {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array((base.hasSuffix("/") ? base : base + "/").appending("vaelab-lesson-XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw LabError(
        "cannot make a scratch directory for \(lessonPath) in \(base): \(String(cString: strerror(errno)))")
    }
    let lessonDirectory = FileIO.directory(of: lessonPath)
    guard let scratch = canonical(FileIO.string(fromTemplate: template)),
      let directory = canonical(lessonDirectory.isEmpty ? "." : lessonDirectory)
    else { throw LabError("cannot find the directory of \(lessonPath): \(String(cString: strerror(errno)))") }
    return FileAccess(confinement: Confinement(scratch: scratch, lessonDirectory: directory))
  }

  /// Removes a confined session's scratch directory and what it holds.
  public func removeScratch() {
    guard let scratch = confinement?.scratch else { return }
    try? FileManager.default.removeItem(atPath: scratch)
  }

  /// Whether the scratch directory holds any file (a lesson wrote something).
  public var scratchHoldsFiles: Bool {
    guard let scratch = confinement?.scratch else { return false }
    return !((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).isEmpty
  }

  /// The bytes of the file at `path`, as `FileIO.readBytes` reads them.
  public func readBytes(_ path: String, shouldStop: () -> Bool = { false }) throws(LabError) -> [UInt8] {
    try FileIO.readBytes(try resolvedForReading(path), shownAs: path, shouldStop: shouldStop)
  }

  /// Writes `bytes` to `path` atomically, as `FileIO.writeAtomically` does.
  public mutating func write(_ bytes: [UInt8], to path: String) throws(LabError) {
    let location = try resolvedForWriting(path)
    try FileIO.writeAtomically(bytes: bytes, to: location, shownAs: path, followingSymlink: confinement == nil)
    written.append(WrittenFile(path: path, location: location, text: nil))
  }

  /// Writes `text` to `path` atomically, and keeps the text in `written`.
  public mutating func write(_ text: String, to path: String) throws(LabError) {
    let location = try resolvedForWriting(path)
    try FileIO.writeAtomically(
      bytes: Array(text.utf8), to: location, shownAs: path, followingSymlink: confinement == nil)
    written.append(WrittenFile(path: path, location: location, text: text))
  }

  /// The files written since the last call, forgotten here.
  mutating func takeWritten() -> [WrittenFile] {
    defer { written = [] }
    return written
  }

  static let trustAdvice = "run it with --trust to give the lesson your own rights"

  /// Where a write to `path` lands: in a confined session, a relative path that
  /// stays inside the scratch directory.
  func resolvedForWriting(_ path: String) throws(LabError) -> String {
    guard let confinement else { return path }
    guard !path.hasPrefix("/") else {
      throw LabError(
        "cannot write \(path): a lesson writes only into its scratch directory, by relative paths; \(confinement.advice)"
      )
    }
    guard let inside = Self.normalised(path) else {
      throw LabError(
        "cannot write \(path): the path leaves the lesson's scratch directory by '..'; \(confinement.advice)")
    }
    return confinement.scratch + "/" + inside
  }

  /// Where a read of `path` looks: in a confined session, the scratch directory
  /// then the lesson's directory, refusing a file outside both (after
  /// following symlinks).
  func resolvedForReading(_ path: String) throws(LabError) -> String {
    guard let confinement else {
      guard !path.hasPrefix("/"), access(path, F_OK) != 0 else { return path }
      return libraries.map { $0 + "/" + path }.first { access($0, F_OK) == 0 } ?? path
    }
    let roots = [confinement.scratch, confinement.lessonDirectory] + libraries
    // Where the path leads is decided below, after symlinks and `..` are resolved.
    let candidates = path.hasPrefix("/") ? [path] : roots.map { $0 + "/" + path }
    guard let found = candidates.first(where: { access($0, F_OK) == 0 }) else {
      throw LabError(
        "cannot read \(path): a lesson reads only files in its own directory or that it wrote itself; \(confinement.advice)"
      )
    }
    guard let real = Self.canonical(found), roots.contains(where: { real == $0 || real.hasPrefix($0 + "/") }) else {
      throw LabError(
        "cannot read \(path): it lies outside the lesson's directory; a lesson reads only files in its own directory or that it wrote itself; \(confinement.advice)"
      )
    }
    return real
  }

  /// `path` with `.` and `a/..` pairs removed, or nil when a `..` would climb
  /// above its start.
  static func normalised(_ path: String) -> String? {
    var parts: [Substring] = []
    for part in path.split(separator: "/") where part != "." {
      if part == ".." {
        guard parts.popLast() != nil else { return nil }
      } else {
        parts.append(part)
      }
    }
    return parts.joined(separator: "/")
  }

  /// The absolute path with every symlink resolved, or nil if it does not exist.
  static func canonical(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
