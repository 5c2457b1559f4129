import Foundation
import Testing

@testable import Lab

/// Issue 26, items 7 and 14: what `check --update` writes can never close its
/// block or start a command, and a read-only lesson is not rewritten.
struct TranscriptUpdateTests {
  /// Output that, written verbatim, would close the block and add a command.
  static let injecting = [
    "fine", "```", "> save injected.md", ">", "   ````  ", "> kl 1 1", "b\r\n> save crlf.md", "c\r> save cr.md",
    "```vaelab", "",
  ]

  @Test func recordedOutputCannotCloseItsBlockOrStartACommand() throws {
    for text in [
      "Prose.\n\n```vaelab\n> kl 2 1\nold\n> seed\nseed = 0\n```\n\nAfter.\n",
      "1. In a list:\n\n   ```vaelab\n   > kl 2 1\n   old\n   > seed\n   seed = 0\n   ```\n\nAfter.\n",
    ] {
      let transcript = try Transcript(parsing: text, name: "u.md")
      let updated = transcript.replacingExpectedOutputs(with: [Self.injecting, ["seed = 0"]])
      let reparsed = try Transcript(parsing: updated, name: "u.md")
      #expect(reparsed.commands.map(\.input) == ["kl 2 1", "seed"], "\(updated)")
      #expect(reparsed.proseLines.map { reparsed.lines[$0] } == transcript.proseLines.map { transcript.lines[$0] })
      // No line of the file is a fence but the block's own two, nor a line break but the file's.
      #expect(updated.split(separator: "\n").map(\.trimmingBlanks).filter { $0.allSatisfy { $0 == "`" } } == ["```"])
      #expect(updated.split(separator: "\n").filter { $0.trimmingBlanks.hasPrefix("```") }.count == 3)
      #expect(!updated.contains("\r"))
      // What was written reads back as matching the output it records.
      #expect(OutputMatcher.matches(expected: reparsed.commands[0].expected, actual: Self.injecting))
      #expect(reparsed.commands[0].expected.count == Self.injecting.count)
    }
  }

  /// `save` writes what commands printed the same way: the notebook keeps its
  /// commands, and checking it matches what was printed.
  @Test func aSavedNotebookKeepsItsCommands() throws {
    let text = Transcript.notebook([
      NotebookEntry(input: "kl 2 1", output: Self.injecting), NotebookEntry(input: "seed", output: ["seed = 0"]),
    ])
    let reparsed = try Transcript(parsing: text, name: "s.md")
    #expect(reparsed.commands.map(\.input) == ["kl 2 1", "seed"], "\(text)")
    #expect(OutputMatcher.matches(expected: reparsed.commands[0].expected, actual: Self.injecting))
    #expect(reparsed.commands[1].expected == ["seed = 0"])
  }

  /// A check that records such output keeps the lesson's commands when run
  /// again: `lesson 1` shows its step's command as a `> ` line.
  @Test func updatedLessonsKeepTheirCommands() throws {
    let library = try LessonTests.Library()
    let text = "---\nlesson: 01-two-steps\n---\n\n```vaelab\n> lesson 1\nold\n> kl 2 1\n...\n```\n"
    let transcript = try Transcript(parsing: text, name: "v.md")
    let result = try TranscriptChecker.check(transcript, file: "v.md", files: .unrestricted, lessons: library.catalog)
    #expect(result.mismatches.count == 1)
    let updated = try result.updatedText
    #expect(updated.contains("\n > set precision=5\n"), "\(updated)")
    let reparsed = try Transcript(parsing: updated, name: "v.md")
    #expect(reparsed.commands.map(\.input) == transcript.commands.map(\.input))
    let again = try TranscriptChecker.check(reparsed, file: "v.md", files: .unrestricted, lessons: library.catalog)
    #expect(again.mismatches.isEmpty, "\(again.mismatches.map(\.report))")
  }

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
