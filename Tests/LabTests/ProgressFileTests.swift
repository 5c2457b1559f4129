import Foundation
import Testing

@testable import Lab

/// The lesson progress file is shared by every shell of a user (issue 26,
/// items 5 and 12): changes are made under a lock, so that two shells do not
/// undo each other's, and a file far too large for progress is set aside
/// without being read.
@Suite struct ProgressFileTests {
  /// Whether another holds `path`'s lock: taking it as another process would
  /// fails (flock conflicts between open file descriptions, also within one process).
  static func lockIsHeld(_ path: String) -> Bool {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
  }

  /// The lock is held over the whole re-read, change and write, in `update` and `reset`.
  @Test func updateAndResetHoldTheLockBesideTheFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/state/vaelab/lessons.json"
    var store = LessonProgressStore(path: path)
    var heldDuringChange = false
    #expect(
      store.update("01-kl-anchors", steps: 4) { record in
        record.step = 2
        heldDuringChange = Self.lockIsHeld(path + ".lock")
      } == nil)
    #expect(heldDuringChange)
    // Released afterwards, and the lock file is the owner's alone.
    #expect(!Self.lockIsHeld(path + ".lock"))
    var status = stat()
    #expect(stat(path + ".lock", &status) == 0 && status.st_mode & 0o777 == 0o600)
    #expect(store.reset(nil) == nil)
    #expect(!Self.lockIsHeld(path + ".lock"))
  }

  /// A lock another shell holds for longer than the wait: the change is not
  /// saved (not written without the lock), and the warning says why.
  @Test func aLockHeldTooLongLeavesProgressUnsavedWithAWarning() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lessons.json"
    var store = LessonProgressStore(path: path, lockWait: 0.2)
    #expect(store.update("01-kl-anchors", steps: 4) { $0.step = 2 } == nil)
    let holder = open(path + ".lock", O_RDONLY | O_CLOEXEC)
    #expect(holder >= 0 && flock(holder, LOCK_EX) == 0)
    let warning = store.update("01-kl-anchors", steps: 4) { $0.step = 3 }
    #expect(
      warning
        == "progress was not saved: another vaelab held \(path).lock for 0.2 seconds (it may be stopped, such as with Ctrl-Z)"
    )
    #expect(store.reset(nil) == warning)
    close(holder)
    var reader = LessonProgressStore(path: path)
    #expect(reader.reload() == nil && reader.progress.lessons["01-kl-anchors"]?.step == 2)
    // Free again: the next change is saved.
    #expect(store.update("01-kl-anchors", steps: 4) { $0.step = 4 } == nil)
    #expect(reader.reload() == nil && reader.progress.lessons["01-kl-anchors"]?.step == 4)
  }

  /// A lock that cannot be taken at all (here its path is a directory; a
  /// read-only state directory is the same) does not crash: progress is not
  /// saved, and the warning says why.
  @Test func aLockThatCannotBeTakenLeavesProgressUnsavedWithAWarning() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lessons.json"
    try FileManager.default.createDirectory(atPath: path + ".lock", withIntermediateDirectories: true)
    var store = LessonProgressStore(path: path)
    let warning = store.update("01-kl-anchors", steps: 4) { $0.step = 2 }
    #expect(warning?.hasPrefix("progress was not saved: cannot lock \(path).lock: ") == true)
    #expect(!FileManager.default.fileExists(atPath: path))
    // This session still knows where it is.
    #expect(store.progress.lessons["01-kl-anchors"]?.step == 2)
    let resetWarning = store.reset(nil)
    #expect(resetWarning?.hasPrefix("progress was not saved: cannot lock \(path).lock: ") == true)
  }

  /// Many changes from two threads, each with its own store as two shells have:
  /// none is lost.
  @Test func twoStoresChangingDifferentLessonsLoseNothing() async throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lessons.json"
    let rounds = 60
    func stepBackAndForth(_ lesson: String, endingAt last: Int) -> [String] {
      var store = LessonProgressStore(path: path)
      var warnings: [String] = []
      for round in 0..<rounds {
        for step in [2, 1] + (round == rounds - 1 ? [last] : []) {
          if let warning = store.update(lesson, steps: 9, { $0.step = step }) { warnings.append(warning) }
        }
      }
      return warnings
    }
    async let first = stepBackAndForth("01-kl-anchors", endingAt: 3)
    async let second = stepBackAndForth("02-reparameterisation", endingAt: 1)
    #expect(await first + second == [])
    var reader = LessonProgressStore(path: path)
    #expect(reader.reload() == nil)
    #expect(reader.progress.lessons["01-kl-anchors"]?.step == 3)
    #expect(reader.progress.lessons["02-reparameterisation"]?.step == 1)
  }

  /// The reproduction: a sparse progress file of several GB was read whole
  /// (20 s, 3 GB of memory) before its size was checked. Its size is checked
  /// first now: it is set aside as too large, and memory does not grow.
  @Test func aHugeProgressFileIsSetAsideWithoutBeingRead() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lessons.json"
    let size: Int64 = 3 << 30
    #expect(FileManager.default.createFile(atPath: path, contents: Data("{".utf8)))
    #expect(truncate(path, off_t(size)) == 0)
    func peakResident() -> Int {
      var usage = rusage()
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return usage.ru_maxrss * 1024
    }
    let before = peakResident()
    var store = LessonProgressStore(path: path)
    let warning = store.reload()
    #expect(peakResident() - before < 256 << 20)
    #expect(
      warning
        == "the lesson progress in \(path) could not be read (it is \(size) bytes, far more than progress takes); it was kept as \(path).corrupt and progress starts afresh"
    )
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(store.update("01-kl-anchors", steps: 4) { $0.step = 2 } == nil)
  }

  /// Just over the limit is too large; the limit itself is read.
  @Test func theLimitIsExact() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lessons.json"
    var text = Array(#"{"lessons":{},"version":1}"#.utf8)
    text += [UInt8](repeating: UInt8(ascii: " "), count: LessonProgressStore.largestFile - text.count)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(text)))
    var store = LessonProgressStore(path: path)
    #expect(store.reload() == nil)
    #expect(FileManager.default.createFile(atPath: path, contents: Data(text + [UInt8(ascii: " ")])))
    let warning = store.reload()
    #expect(warning?.contains("it is \(LessonProgressStore.largestFile + 1) bytes") == true)
  }
}
