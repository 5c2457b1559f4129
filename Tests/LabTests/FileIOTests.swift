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

  @Test(arguments: [("a", ""), ("./a", "./"), ("/x/y.md", "/x/"), ("d/", "d/"), ("/", "/")])
  func directoryOfAPath(path: String, directory: String) {
    #expect(FileIO.directory(of: path) == directory)
  }
}
