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
/// done before it. Each change takes a lock (`lessons.json.lock`, beside the
/// file, as the file itself is replaced by a rename), re-reads the file, changes
/// it and renames the new file into place before letting go, so two shells
/// taking different lessons do not undo each other. A file that cannot be read as
/// progress is reported, set aside as `lessons.json.corrupt`, and replaced.
/// Nothing is read until a lesson command needs it.
public struct LessonProgressStore: Sendable {
  /// Nil for progress kept only in memory (`vaelab run` and `check`).
  public let path: String?
  public private(set) var progress = LessonProgress()
  /// How many times this store has written the file: once a change, or a
  /// group of changes (`LessonDesk.writingOnce`).
  public private(set) var writes = 0
  /// Seconds a change waits for another shell's lock before it gives up.
  ///
  /// Bounded, not blocking: a shell holds the lock only to read, change and
  /// write a file of a few kilobytes (milliseconds, with the fsync), so a lock
  /// held for seconds belongs to a shell that is stopped (Ctrl-Z) or hung. Waiting
  /// for it would freeze this shell with it; instead that change is not saved,
  /// with a warning, and the next one (a step records where the student is) tries again.
  let lockWait: Double

  /// Largest progress file read: far beyond what any real progress needs.
  static let largestFile = 4 << 20

  /// How long a change waits for the lock unless told otherwise.
  public static let defaultLockWait = 5.0

  /// An in-memory store.
  public init() {
    path = nil
    lockWait = 0
  }

  /// The store at `path`, read when first needed; a change waits at most
  /// `lockWait` seconds for another shell's lock.
  public init(path: String, lockWait: Double = defaultLockWait) {
    self.path = path
    self.lockWait = lockWait
  }

  public static func defaultPath(environment: [String: String]) -> String {
    StateDirectory.path(environment: environment) + "/lessons.json"
  }

  /// Applies `change` to the lesson's record (a fresh one if it has none) and
  /// writes the file; the message says why it could not be written, if it could not.
  public mutating func update(_ lesson: String, steps: Int, _ change: (inout LessonProgress.Record) -> Void) -> String?
  {
    changing { Self.apply(change, to: lesson, steps: steps, in: &$0) }
  }

  /// Applies the changes in order and writes the file once.
  mutating func update(_ changes: [LessonDesk.HeldChange]) -> String? {
    changing { progress in
      for held in changes { Self.apply(held.change, to: held.lesson, steps: held.steps, in: &progress) }
    }
  }

  /// Applies `change` to the lesson's record, a fresh one of `steps` steps if it has none.
  private static func apply(
    _ change: (inout LessonProgress.Record) -> Void, to lesson: String, steps: Int, in progress: inout LessonProgress
  ) {
    var record = progress.lessons[lesson] ?? LessonProgress.Record(step: 1, steps: steps, done: false, exercises: [:])
    record.steps = steps
    change(&record)
    progress.lessons[lesson] = record
  }

  /// Forgets the named lessons (all of them for nil) and writes the file.
  public mutating func reset(_ lessons: [String]?) -> String? {
    changing { progress in
      if let lessons {
        for lesson in lessons { progress.lessons[lesson] = nil }
      } else {
        progress.lessons = [:]
      }
    }
  }

  /// Under the lock: re-reads the file, applies `change` and writes the file.
  /// Without the lock the file is neither read nor written: the change is made
  /// to this session's progress only, and the message says why it was not saved.
  private mutating func changing(_ change: (inout LessonProgress) -> Void) -> String? {
    guard let path else {
      change(&progress)
      return nil
    }
    let lock: ProgressLock
    switch ProgressLock.take(for: path, waiting: lockWait, creatingDirectory: true) {
    case .refused(let reason):
      change(&progress)
      return "progress was not saved: \(reason)"
    case .taken(let taken): lock = taken
    }
    defer { lock.release() }
    let warning = load(path, mayMove: true)
    change(&progress)
    writes += 1
    return [warning, write()].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
  }

  /// Reads the file again (nothing for an in-memory store or a missing file);
  /// the message says what was wrong with a file that had to be set aside.
  /// A bad file is moved aside only under the lock; without it (another shell
  /// holds it too long), it is reported and this session starts afresh.
  mutating func reload() -> String? {
    guard let path, FileManager.default.fileExists(atPath: path) else { return nil }
    switch ProgressLock.take(for: path, waiting: lockWait, creatingDirectory: false) {
    case .taken(let lock):
      defer { lock.release() }
      return load(path, mayMove: true)
    case .refused:
      return load(path, mayMove: false)
    }
  }

  /// Reads the file at `path` into `progress`; the message says what was wrong with it.
  private mutating func load(_ path: String, mayMove: Bool) -> String? {
    let reason: String
    do {
      guard let bytes = try Self.contents(of: path) else {
        progress = LessonProgress()
        return nil
      }
      if let decoded = try? JSONDecoder().decode(LessonProgress.self, from: Data(bytes)) {
        guard decoded.isValid else {
          reason = "it holds steps or counts out of range"
          return setAside(path, reason: reason, moving: mayMove)
        }
        progress = decoded
        return nil
      } else {
        reason = "it is not lesson progress as vaelab writes it"
      }
    } catch {
      reason = error.message
    }
    return setAside(path, reason: reason, moving: mayMove)
  }

  /// The bytes of the progress file, nil if there is none. Its size is checked
  /// before anything is read (a sparse file of gigabytes costs nothing to make),
  /// and no more than `largestFile` + 1 bytes are read, should it grow meanwhile.
  /// A FIFO or a device is refused unread (it is opened without blocking).
  static func contents(of path: String) throws(LabError) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      if errno == ENOENT { return nil }
      throw LabError("cannot read it: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw LabError("cannot read it: \(String(cString: strerror(errno)))")
    }
    guard status.st_mode & S_IFMT == S_IFREG else { throw LabError("it is not a regular file") }
    func tooLarge(_ size: Int64) -> LabError { LabError("it is \(size) bytes, far more than progress takes") }
    guard status.st_size <= largestFile else { throw tooLarge(Int64(status.st_size)) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(status.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= largestFile {
      let wanted = min(chunk.count, largestFile + 1 - bytes.count)
      let result = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
      if result < 0 {
        if errno == EINTR { continue }
        throw LabError("cannot read it: \(String(cString: strerror(errno)))")
      }
      if result == 0 { break }
      bytes.append(contentsOf: chunk[0..<result])
    }
    guard bytes.count <= largestFile else { throw tooLarge(Int64(bytes.count)) }
    return bytes
  }

  /// Moves the file to `PATH.corrupt` (or `.corrupt.1` ... when taken), unless
  /// not `moving`, and forgets its progress.
  private mutating func setAside(_ path: String, reason: String, moving: Bool) -> String {
    progress = LessonProgress()
    let corrupt =
      ([path + ".corrupt"] + (1..<100).map { path + ".corrupt.\($0)" }).first {
        !FileManager.default.fileExists(atPath: $0)
      } ?? path + ".corrupt"
    let moved = moving && rename(path, corrupt) == 0
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

/// The lock over the progress file: an exclusive `flock` on `PATH.lock`, a file
/// of its own because the progress file is replaced by a rename (a lock on the
/// replaced file would lock nothing the next shell opens). The lock goes with
/// the descriptor, so a shell that dies releases it.
struct ProgressLock {
  let descriptor: Int32

  enum Outcome {
    case taken(ProgressLock)
    /// Why it could not be taken.
    case refused(String)
  }

  /// Takes the lock of the progress file `path`, trying again for up to
  /// `waiting` seconds while another shell holds it. With `creatingDirectory`,
  /// makes the file's directory first.
  static func take(for path: String, waiting: Double, creatingDirectory: Bool) -> Outcome {
    let lockPath = path + ".lock"
    let directory = FileIO.directory(of: path)
    if creatingDirectory && !directory.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        return .refused("cannot create \(directory): \(error.localizedDescription)")
      }
    }
    // Not following a symlink, and not blocking on a FIFO put in its place.
    let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
    guard descriptor >= 0 else { return .refused("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      return .refused("cannot lock \(lockPath): it is not a regular file")
    }
    var clock = timespec()
    func now() -> Double {
      clock_gettime(CLOCK_MONOTONIC, &clock)
      return Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    }
    let deadline = now() + waiting
    var pause: UInt32 = 1_000
    while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
      let failure = errno
      if failure == EINTR { continue }
      guard failure == EWOULDBLOCK, now() < deadline else {
        close(descriptor)
        let seconds = waiting == waiting.rounded() && abs(waiting) < 1e9 ? "\(Int(waiting))" : "\(waiting)"
        return .refused(
          failure == EWOULDBLOCK
            ? "another vaelab held \(lockPath) for \(seconds) seconds (it may be stopped, such as with Ctrl-Z)"
            : "cannot lock \(lockPath): \(String(cString: strerror(failure)))")
      }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
    return .taken(ProgressLock(descriptor: descriptor))
  }

  /// Lets go of the lock.
  func release() { close(descriptor) }
}

extension String {
  var nilIfEmpty: String? { isEmpty ? nil : self }
}
