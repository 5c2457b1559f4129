import Foundation
import Testing

@testable import Lab

/// The bad-input corpus (issue 9): command lines, expressions, malformed files
/// of every format and hostile lessons, each with the error it must get, and a
/// session that carries on unchanged after every one.
@Suite struct BadInputCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

  /// What a refused command must leave as it was.
  struct State: Equatable {
    var seed: UInt64
    /// The next draw of the session's random stream.
    var nextDraw: UInt64
    var format: OutputFormat
    var precision: Int
    var workbench: ObjectIdentifier?
    var step: Int?
    /// Every weight and bias of the model, bit for bit.
    var weights: [[Float]]
    /// The optimiser's step count (Adam's bias correction), the training history's
    /// length, and the next draw of the trainer's own stream.
    var optimizerStep: Int?
    var history: Int?
    var trainerDraw: UInt64?
    var show: [String]

    init(_ engine: inout Engine) {
      let session = engine.session
      seed = session.seed
      var generator = session.generator
      nextDraw = generator.next()
      format = session.format
      precision = session.precision
      workbench = session.workbench.map(ObjectIdentifier.init)
      step = session.workbench?.trainer.steps
      weights = session.workbench?.model.layers.flatMap { [$0.layer.weight, $0.layer.bias] } ?? []
      optimizerStep = session.workbench?.trainer.optimizer.step
      history = session.workbench?.history.count
      var trainerGenerator = session.workbench?.trainer.generator
      trainerDraw = trainerGenerator?.next()
      show = engine.execute("vae show").transcriptLines
    }
  }

  /// `Corpus/bad-input.md`: its first block sets up a session (a model, a seed,
  /// a precision); every later command is refused with exactly the lines
  /// written under it, in a session confined as a lesson is (reads in
  /// `Corpus/`, writes in a scratch directory).
  @Test func everyCommandIsRefusedAndTheSessionCarriesOn() throws {
    let path = Self.corpus.appendingPathComponent("bad-input.md").path
    let transcript = try Transcript(parsing: try FileIO.readText(path), name: path)
    let files = try FileAccess.confined(toLessonAt: path)
    defer { files.removeScratch() }
    var engine = Engine(session: Session(seed: transcript.seed, files: files))
    let setup = transcript.commands.prefix(3)
    for command in setup { #expect(engine.execute(command.input).error == nil, "\(command.input)") }
    let before = State(&engine)
    let cases = transcript.commands.dropFirst(setup.count)
    #expect(cases.count >= 150)
    for command in cases {
      let reply = engine.execute(command.input)
      #expect(reply.error != nil, "line \(command.inputLine + 1): \(command.input) was accepted")
      #expect(
        reply.transcriptLines == command.expected.trimmingTrailingBlankLines,
        "line \(command.inputLine + 1): \(command.input)")
      #expect(State(&engine) == before, "line \(command.inputLine + 1): \(command.input) changed the session")
    }
    #expect(try Set(FileManager.default.contentsOfDirectory(atPath: files.scratchDirectory ?? "")).isEmpty)
  }

  /// Hostile lessons: refused as a whole, with the file and line at fault.
  @Test(arguments: [
    ("---\ntitle: t\n", "h.md:1: front matter starting with '---' is never closed by a '---' line"),
    (
      "---\nseed: 18446744073709551615\n---\n",
      "h.md: seed '18446744073709551615' in the front matter must be a whole number from 0 to 9223372036854775807"
    ),
    (
      "---\nseed: -1\n---\n", "h.md: seed '-1' in the front matter must be a whole number from 0 to 9223372036854775807"
    ),
    ("---\nseed: x\n---\n", "h.md: seed 'x' in the front matter must be a whole number from 0 to 9223372036854775807"),
    ("```vaelab\nstray output\n> kl 0 1\n```\n", "h.md:2: output before any '> ' command in the block"),
    ("Prose.\n```vaelab\n> kl 0 1\n", "h.md:2: the ```vaelab block is never closed by a ``` line"),
    (
      "```vaelab\n> kl 0 1\n" + String(repeating: "...\n", count: 100_000),
      "h.md:1: the ```vaelab block is never closed by a ``` line"
    ),
    ("  ```vaelab\n  > kl 0 1\n", "h.md:1: the ```vaelab block is never closed by a ``` line"),
  ])
  func hostileLessonsAreRefused(text: String, message: String) {
    #expect(throws: LabError(message)) { try Transcript(parsing: text, name: "h.md") }
  }

  /// Hostile lessons that parse: their commands are data, run confined, and
  /// each refusal is the error a typed command would get.
  @Test(arguments: [
    ("> vae load /etc/shadow", "error: cannot read /etc/shadow: it lies outside the lesson's directory"),
    ("> save h.md", "saved 0 commands to h.md"),
    ("> vae new data=/dev/zero", "error: cannot read /dev/zero: it lies outside the lesson's directory"),
    (
      "> grad \"" + String(repeating: "-", count: 100_000) + "z\" 0 1", "error: f: the expression has 100001 characters"
    ),
    ("> kl 0 1; quit; kl 2 1", "KL(q || p) for q = N(0, 1^2), p = N(0, 1^2):"),
    ("> \u{0}seed", "error: the line holds a control character (U+0000) at column 1"),
  ])
  func hostileLessonCommandsAreConfined(command: String, firstLine: String) throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/h.md"
    let lesson = "```vaelab\n\(command)\n```\n"
    try FileIO.writeAtomically(lesson, to: path)
    let transcript = try Transcript(parsing: lesson, name: path)
    let files = try FileAccess.confined(toLessonAt: path)
    defer { files.removeScratch() }
    let result = try TranscriptChecker.check(transcript, file: path, files: files)
    let actual = result.mismatches.first?.actual.first ?? ""
    #expect(actual.hasPrefix(firstLine), "\(actual)")
    #expect(try FileIO.readText(path) == lesson, "the lesson is untouched")
  }
}
