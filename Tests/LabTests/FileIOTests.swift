import Foundation
import Testing

@testable import Lab

/// Atomic writes: any file name works, and a directory given as a file is a clear error.
struct FileIOTests {
  /// (Relative names, such as `save a` in the working directory, are tested end to end.)
  @Test(arguments: ["a", "x.md", "./b", "sub/c"])
  func writesFilesWhateverTheLengthOfTheirName(name: String) throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory.path + "/sub", withIntermediateDirectories: true)
    let path = directory.path + "/" + name
    try FileIO.writeAtomically("hello\n", to: path)
    #expect(try FileIO.readText(path) == "hello\n")
    // Nothing but the file is left behind.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileIO.directory(of: path))
    #expect(!leftovers.contains { $0.hasSuffix(".tmp") })
  }

  @Test(arguments: [".", "./", "..", "/", "/tmp", "/tmp/", "dir/"])
  func aDirectoryIsNotAFile(path: String) {
    #expect(throws: LabError.self) { try FileIO.writeAtomically("x", to: path) }
    do { try FileIO.writeAtomically("x", to: path) } catch {
      #expect(error.message.hasPrefix("cannot write \(path): it is a directory, not a file"))
    }
  }

  func mode(_ path: String) -> mode_t {
    var status = stat()
    _ = stat(path, &status)
    return status.st_mode & 0o7777
  }

  /// Saving in place keeps the file's mode (a private 0600 file stays private).
  @Test func theModeOfTheReplacedFileIsKept() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/private.md"
    try FileIO.writeAtomically("one\n", to: path)
    let mask = umask(0)
    umask(mask)
    #expect(mode(path) == 0o666 & ~mask)
    chmod(path, 0o600)
    try FileIO.writeAtomically("two\n", to: path)
    #expect(mode(path) == 0o600)
    #expect(try FileIO.readText(path) == "two\n")
  }

  /// A symlink is written through: its target gets the new text, the link stays.
  @Test func aSymlinkIsWrittenThrough() throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory.path + "/real", withIntermediateDirectories: true)
    try FileIO.writeAtomically("old\n", to: directory.path + "/real/notes.md")
    symlink("real/notes.md", directory.path + "/link.md")
    try FileIO.writeAtomically("new\n", to: directory.path + "/link.md")
    var status = stat()
    lstat(directory.path + "/link.md", &status)
    #expect(status.st_mode & S_IFMT == S_IFLNK)
    #expect(try FileIO.readText(directory.path + "/real/notes.md") == "new\n")
  }

  /// The temporary files of a writer killed mid-write are removed by the next
  /// write to the directory; a running writer's are left alone.
  @Test func deadWritersTemporariesAreRemoved() throws {
    let directory = try TemporaryDirectory()
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    let dead = directory.path + "/.vaelab-tmp-\(finished.processIdentifier)-a1b2c3"
    let running = directory.path + "/.vaelab-tmp-1-d4e5f6"
    for path in [dead, running] { try "partial".write(toFile: path, atomically: false, encoding: .utf8) }
    try FileIO.writeAtomically("x\n", to: directory.path + "/out.md")
    #expect(!FileManager.default.fileExists(atPath: dead))
    #expect(FileManager.default.fileExists(atPath: running))
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(Set(left) == [".vaelab-tmp-1-d4e5f6", "out.md"])
  }

  /// A symlink planted where the old writer put its temporary file (a
  /// predictable name) is not followed: the file it points to is untouched.
  @Test func aPlantedSymlinkIsNotFollowed() throws {
    let directory = try TemporaryDirectory()
    let victim = directory.path + "/victim"
    try "secret\n".write(toFile: victim, atomically: false, encoding: .utf8)
    symlink(victim, directory.path + "/.out.md.\(getpid()).tmp")
    try FileIO.writeAtomically("x\n", to: directory.path + "/out.md")
    #expect(try FileIO.readText(victim) == "secret\n")
    #expect(try FileIO.readText(directory.path + "/out.md") == "x\n")
  }

  /// A FIFO (which blocked forever), a device (`/dev/zero`, which never ends) and
  /// a directory are refused before reading.
  @Test func onlyRegularFilesAreRead() throws {
    let directory = try TemporaryDirectory()
    let fifo = directory.path + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    for path in [fifo, "/dev/zero", directory.path] {
      #expect(
        throws: LabError(
          "cannot read \(path): it is not a regular file (a directory, FIFO or device); vaelab reads files")
      ) {
        try FileIO.readBytes(path)
      }
    }
  }

  /// The temporary name does not grow with the target's: a 250-byte name works.
  @Test func longNamesWork() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/" + String(repeating: "n", count: 247) + ".md"
    try FileIO.writeAtomically("x\n", to: path)
    #expect(try FileIO.readText(path) == "x\n")
  }

  @Test(arguments: [("a", ""), ("./a", "./"), ("/x/y.md", "/x/"), ("d/", "d/"), ("/", "/")])
  func directoryOfAPath(path: String, directory: String) {
    #expect(FileIO.directory(of: path) == directory)
  }
}
