import Foundation
import Testing

@testable import Lab

/// Every example `help` shows runs without an error (issue 27), each in a fresh
/// engine after the least set-up it needs, so help never shows a command that
/// fails. A command added with examples is checked here without a line added.
@Suite struct HelpExampleTests {
  /// One example, with the command whose `help` shows it.
  struct Example: Sendable, CustomTestStringConvertible {
    /// The command's words, as `help` takes them: `vae decode`.
    var command: String
    var line: String
    var testDescription: String { line }
  }

  /// The examples of every command and subcommand, as `help` lists them.
  static let examples: [Example] = {
    func examples(of specs: [CommandSpec], prefix: String) -> [Example] {
      specs.flatMap { spec in
        spec.examples.map { Example(command: prefix + spec.name, line: $0) }
          + examples(of: spec.subcommands, prefix: prefix + spec.name + " ")
      }
    }
    return examples(of: CommandRegistry.withLessons, prefix: "")
  }()

  /// The lessons that ship, the catalog of the lesson commands' examples.
  static let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("lessons").path

  /// What an example needs run first, and nothing more:
  /// - `vae` subcommands: a model, of 16 hidden units rather than 128 for
  ///   speed (what an example may be given is the same); `vae decode` takes 2-D codes
  ///   (`[0, 0]`) and `vae bound`'s picture of p(z|x) a 2-D latent, so a 2-D
  ///   latent; `vae compare` compares models trained as long, so ten steps;
  ///   `vae load` and `vae compare with=` read a checkpoint, saved first.
  ///   `vae bound` of every held-out example and `vae density n=400 k=5000`
  ///   estimate log p(x) of each with thousands of importance samples: a
  ///   few seconds in a release build, but minutes in the tests' debug build
  ///   for the 400 held-out examples of shapes, so their model is of
  ///   `small.csv`, 20 rows (2 held out) of 16 values in [0, 1].
  /// - `lesson quit`: a lesson being taken.
  /// - `answer`, `hint`, `skip` and `solution` without an exercise's id: the
  ///   lesson at the exercise the answer is for (`answer b` answers the choice
  ///   halve-or-double, `answer 0.807` the number kl-of-double).
  /// Every engine has the repository's lessons/ as its catalog and writes into
  /// a temporary directory of its own.
  static func setUp(_ example: Example, catalog: LessonCatalog) throws -> [String] {
    let model = "vae new hidden=16 seed=1"
    func step(of id: String) throws -> String {
      let entry = try #require(catalog.entries.first { $0.plan.exercises.contains { $0.id == id } })
      let index = try #require(
        entry.plan.steps.firstIndex {
          if case .exercise(let exercise) = $0.action { exercise.id == id } else { false }
        })
      return "lesson \(entry.number) step=\(index + 1)"
    }
    switch (example.command, example.line) {
    case ("vae new", _): return []
    case ("vae decode", _), ("vae bound", "vae bound 0 svg=posterior.svg"): return ["vae new latent=2 hidden=16 seed=1"]
    case ("vae compare", "vae compare with=ae.safetensors"):
      return ["vae new kind=ae hidden=16 seed=1", "vae step 10", "vae save ae.safetensors", model, "vae step 10"]
    case ("vae compare", _): return [model, "vae step 10"]
    case ("vae load", _): return [model, "vae save vae.safetensors"]
    case ("vae bound", "vae bound"), ("vae density", "vae density n=400 k=5000"): return ["vae new small.csv seed=1"]
    case (let command, _) where command.hasPrefix("vae "): return [model]
    case ("lesson", "lesson quit"): return ["lesson 1"]
    case ("answer", "answer b"): return [try step(of: "halve-or-double")]
    case ("answer", "answer 0.807"): return [try step(of: "kl-of-double")]
    case ("hint", "hint"), ("skip", "skip"), ("solution", "solution"): return [try step(of: "kl-half")]
    default: return []
    }
  }

  /// 20 rows of 16 values in [0, 1], for a model quick to evaluate.
  static let smallData =
    (0..<20).map { row in
      (0..<16).map { column in "\(Double((row * 7 + column * 3) % 11) / 10)" }.joined(separator: ",")
    }.joined(separator: "\n") + "\n"

  @Test(arguments: examples) func everyExampleInHelpRuns(_ example: Example) throws {
    let directory = try TemporaryDirectory()
    let catalog = try LessonCatalog(directory: Self.lessons)
    let session = Session(
      files: try FileAccess.confined(toLessonAt: directory.path + "/examples.md", scratch: directory.path))
    try Self.smallData.write(toFile: directory.path + "/small.csv", atomically: true, encoding: .utf8)
    var engine = LessonRunner(
      session: session,
      desk: LessonDesk(catalog: catalog, store: LessonProgressStore(path: directory.path + "/state/lessons.json")))
    for line in try Self.setUp(example, catalog: catalog) {
      let reply = engine.execute(line)
      try #require(reply.error == nil, "set-up '\(line)' for '\(example.line)': \(reply.error ?? "")")
    }
    let reply = engine.execute(example.line)
    #expect(reply.error == nil, "help \(example.command) shows '\(example.line)', which fails: \(reply.error ?? "")")
  }

  /// The walk finds the examples of subcommands too (vae's are all there).
  @Test func theExamplesIncludeSubcommands() {
    let commands = Set(Self.examples.map(\.command))
    #expect(commands.isSuperset(of: ["kl", "grad sweep", "vae new", "vae step", "lesson reset", "answer"]))
    #expect(Self.examples.count > 80)
  }
}
