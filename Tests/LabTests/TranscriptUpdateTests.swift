import Foundation
import Testing

@testable import Lab

/// Issue 26, item 14: a read-only lesson is not rewritten by `check --update`.
struct TranscriptUpdateTests {
  /// `check --update` writes the lesson as the command line does, with
  /// `FileIO.writeAtomically(result.updatedText, ...)`: a 0444 lesson is refused
  /// with the reason, and neither its text nor its mode changes.
  @Test func aReadOnlyLessonIsNotUpdated() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/lesson.md"
    let text = "```vaelab\n> kl 2 1\nwrong\n```\n"
    try FileIO.writeAtomically(text, to: path)
    #expect(chmod(path, 0o444) == 0)
    let result = try TranscriptChecker.check(
      try Transcript(parsing: try FileIO.readText(path), name: path), file: path, files: .unrestricted)
    #expect(result.mismatches.count == 1)
    #expect(
      throws: LabError(
        "cannot update \(path): it is read-only (mode 0444); 'check --update' rewrites only lessons you may write: make it writable (chmod u+w) or check it without --update"
      )
    ) {
      try FileIO.writeAtomically(result.updatedText, to: path)
    }
    #expect(try FileIO.readText(path) == text)
    var status = stat()
    #expect(stat(path, &status) == 0 && status.st_mode & 0o7777 == 0o444)
    // Writable again, it is updated.
    #expect(chmod(path, 0o644) == 0)
    try FileIO.writeAtomically(result.updatedText, to: path)
    #expect(try FileIO.readText(path).contains("= 2.000 nats"))
  }
}
