import Synchronization
import Testing

@testable import Lab

struct EngineTests {
  /// The anchors of the mission statement, exactly as printed at the default precision.
  @Test(arguments: [("kl 0 1", "0.000"), ("kl 2 1", "2.000"), ("kl 0 0.5", "0.318"), ("kl 1 2", "1.307")])
  func anchorsPrintExactly(command: String, total: String) {
    var engine = Engine()
    let reply = engine.execute(command)
    #expect(reply.error == nil)
    #expect(reply.output.hasSuffix("= \(total) nats"))
  }

  /// `save`, `vae save` and `quit` are never recorded, even when their arguments are wrong.
  @Test func aCommandNeverRecordedIsNotRecordedWhenItsArgumentsAreWrong() {
    var engine = Engine()
    #expect(engine.execute("kl 0 1").error == nil)
    for line in ["save", "save a.md b.md", "quit now", "vae save"] {
      #expect(engine.execute(line).error != nil, "\(line)")
    }
    #expect(engine.session.notebook.map(\.input) == ["kl 0 1"])
  }

  @Test func klShowsTheFormulaWithTheNumbersPutIn() {
    var engine = Engine()
    #expect(
      engine.execute("kl 0 0.5").output == """
        KL(q || p) for q = N(0, 0.5^2), p = N(0, 1^2):
          0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)
        = 0.5 * (0.250 + 0.000 - 1 + 1.386)
        = 0.318 nats
        """)
  }

  @Test func logvarIsTheSameGaussianAsSigma() {
    var engine = Engine()
    let bySigma = engine.execute("kl 1 0.5 format=json").output
    let byLogVariance = engine.execute("kl 1 logvar=-1.3862943611198906 format=json").output
    #expect(bySigma == byLogVariance)
  }

  @Test func jsonHasStableKeys() {
    var engine = Engine()
    #expect(
      engine.execute("kl [0, 2] [1, 1] format=json").output
        == #"{"order":"qp","kl":2.0,"per_dim":[0.0,2.0],"q":{"mu":[0.0,2.0],"sigma":[1.0,1.0],"logvar":[0.0,0.0]},"p":{"mu":[0.0,0.0],"sigma":[1.0,1.0],"logvar":[0.0,0.0]}}"#
    )
    let sample = engine.execute("sample 2 1 n=10 show=2 seed=1 format=json").output
    for key in [#""n":10"#, #""mean":["#, #""std":["#, #""samples":[{"eps":["#] {
      #expect(sample.contains(key))
    }
  }

  @Test func bothDirectionsShowTheAsymmetry() {
    var engine = Engine()
    let output = engine.execute("kl 0 1 mu2=1 sigma2=2 order=both").output
    #expect(output.contains("= 0.443 nats"))
    #expect(output.contains("= 1.307 nats"))
    #expect(output.hasSuffix("KL is not symmetric: KL(q || p) = 0.443 but KL(p || q) = 1.307."))
  }

  @Test func mismatchedVectorsAreRefused() {
    var engine = Engine()
    #expect(
      engine.execute("kl [0, 1] [1, 2, 3]").error
        == "mu has 2 dimensions but sigma has 3; vectors must have one length (a plain number is used for every dimension)"
    )
    #expect(
      engine.execute("kl [0, 1] mu2=[1, 2, 3]").error == "q has 2 dimensions but p has 3; vectors must have one length")
    #expect(engine.execute("kl 0 1 logvar=0").error == "give sigma or logvar, not both (logvar = log sigma^2)")
  }

  @Test func overflowIsAnErrorNotInfinity() {
    var engine = Engine()
    #expect(engine.execute("kl 0 1e-100 sigma2=1e100 order=both").error?.contains("overflows") == true)
  }

  @Test func sampleTooLargeIsRefused() {
    var engine = Engine()
    #expect(
      engine.execute("sample [0, 0] n=900000000").error
        == "n = 900000000 draws of 2 dimensions is too much work: n * dimensions must be at most 1000000000")
  }

  @Test func unknownCommandsSuggestTheNearestOne() {
    var engine = Engine()
    #expect(
      engine.execute("sampel 2 1").error
        == "unknown command 'sampel'; did you mean 'sample'? (type 'help' for the list)")
  }

  /// The session stream makes a session replay exactly; `seed=` draws apart from it.
  @Test func sessionStreamIsReproducible() {
    var first = Engine()
    var second = Engine()
    let a = ["sample 0 1 n=100 format=json", "sample 0 1 n=100 format=json"].map { first.execute($0).output }
    let b = ["sample 0 1 n=100 format=json", "sample 0 1 n=100 format=json"].map { second.execute($0).output }
    #expect(a == b)
    #expect(a[0] != a[1])
    var third = Engine()
    _ = third.execute("sample 0 1 n=100 seed=5")
    #expect(third.execute("sample 0 1 n=100 format=json").output == a[0])
    _ = third.execute("seed 0")
    #expect(third.execute("sample 0 1 n=100 format=json").output == a[0])
  }

  /// A failed or interrupted command leaves the session as it was.
  @Test func errorsLeaveTheSessionIntact() {
    var engine = Engine()
    _ = engine.execute("set precision=4")
    #expect(engine.execute("sample 0 1 n=10 bins=0").error != nil)
    #expect(engine.execute("save /nonexistent-dir/x.md").error?.hasPrefix("cannot write /nonexistent-dir/x.md") == true)
    #expect(engine.session.precision == 4)
    var fresh = Engine()
    _ = fresh.execute("set precision=4")
    #expect(engine.execute("sample 0 1 n=10").output == fresh.execute("sample 0 1 n=10").output)
  }

  @Test func interruptionStopsLongWorkAndKeepsTheStream() {
    let stop = StopSwitch()
    var engine = Engine(session: Session(shouldStop: { stop.flag.load(ordering: .relaxed) }))
    stop.flag.store(true, ordering: .relaxed)
    #expect(engine.execute("sample n=1000000").error == "interrupted (Ctrl-C); nothing was changed")
    #expect(engine.execute("kl 1 2 mc=1000000").error == "interrupted (Ctrl-C); nothing was changed")
    stop.flag.store(false, ordering: .relaxed)
    // The stream did not advance: the next draws are the session's first.
    var reference = Engine()
    #expect(engine.execute("sample n=10").output == reference.execute("sample n=10").output)
  }

  @Test func settingsChangePrecisionAndFormat() {
    var engine = Engine()
    #expect(engine.execute("set precision=6").output == "format = text, precision = 6")
    #expect(engine.execute("kl 0 0.5").output.hasSuffix("= 0.318147 nats"))
    _ = engine.execute("set format=json")
    #expect(engine.execute("seed").output == #"{"seed":0}"#)
    #expect(engine.execute("seed format=text").output == "seed = 0")
  }

  @Test func helpIsGeneratedFromTheSpecs() {
    var engine = Engine()
    let overview = engine.execute("help").output
    for command in CommandRegistry.standard { #expect(overview.contains("  \(command.name)  ")) }
    let kl = engine.execute("help kl").output
    #expect(kl.contains("usage: kl [MU] [SIGMA] [logvar=X|[X,..]]"))
    #expect(kl.contains("  sigma    standard deviation of q (default 1)"))
    #expect(kl.contains("examples:\n  kl 2 1"))
    #expect(engine.execute("help kll").error == "no command 'kll'; did you mean 'kl'? (type 'help' for the list)")
    #expect(
      engine.execute("help vae new").output.hasPrefix("vae new: a fresh VAE on a data set\n\nusage: vae new [DATA]"))
    #expect(engine.execute("help grad sweep").output.contains("usage: grad sweep F [MU] [SIGMA]"))
    #expect(
      engine.execute("help vae nwe").error
        == "vae has no subcommand 'nwe'; did you mean 'new'? (subcommands: new, step, show, encode, recon, sample, decode, interp, traverse, latent, compare, sweep, probe, compress, density, bound, estimators, curves, gradcheck, save, load)"
    )
    #expect(engine.execute("help kl x").error == "kl has no subcommands")
  }

  @Test func quitEndsTheSessionAndIsNotRecorded() {
    var engine = Engine()
    _ = engine.execute("kl 2 1")
    #expect(engine.execute("exit").shouldQuit)
    var fresh = Engine()
    #expect(fresh.execute("quit format=json").output == "{}")
    #expect(engine.session.notebook.map(\.input) == ["kl 2 1"])
    #expect(engine.session.promptNumber == 3)
  }

  @Test func subcommandsAreResolvedAndSuggested() {
    struct Steps: CommandArguments {
      @Positional(name: "n", 1...10, help: "steps") var count: Int = 1
    }
    let leaf = CommandSpec(
      name: "step", summary: "step", arguments: Steps.self,
      action: { _, arguments throws(LabError) in Output(Line(line: "stepped \(arguments.count)")) })
    let group = CommandSpec(name: "vae", summary: "a group", subcommands: [leaf])
    var engine = Engine(commands: [group])
    #expect(engine.execute("vae step 3").output == "stepped 3")
    #expect(
      engine.execute("vae stpe").error == "vae has no subcommand 'stpe'; did you mean 'step'? (subcommands: step)")
    #expect(engine.execute("vae").error == "vae needs a subcommand: step")
    #expect(Completion.candidates(for: "vae s", commands: [group]) == ["step"])
    #expect(Completion.candidates(for: "vae step ", commands: [group]) == ["n=", "format="])
  }

  /// help describes the engine's own commands, not the standard ones.
  @Test func helpDescribesTheEnginesCommands() {
    let toy = CommandSpec(
      name: "toy", summary: "a toy command", arguments: NoArguments.self,
      action: { _, _ throws(LabError) in Output(Line(line: "toy")) })
    var engine = Engine(commands: CommandRegistry.withHelp([toy]))
    let overview = engine.execute("help").output
    #expect(overview.contains("  toy   a toy command"))
    #expect(!overview.contains("  kl "))
    #expect(engine.execute("help kl").error == "no command 'kl' (type 'help' for the list)")
  }
}

struct CompletionTests {
  @Test(arguments: [
    (
      "",
      [
        "help", "kl", "sample", "grad", "vae", "lesson", "next", "back", "again", "answer", "hint", "skip", "solution",
        "seed", "set", "save", "quit",
      ]
    ),
    ("s", ["sample", "skip", "solution", "seed", "set", "save"]),
    ("kl 2 1 or", ["order="]),
    ("kl 2 1 order=", ["order=qp", "order=pq", "order=both"]),
    ("kl 2 1 order=b", ["order=both"]),
    ("kl 2 1 format=j", ["format=json"]),
    ("sample 0 1 s", ["seed=", "show=", "svg="]),
    ("sample mu=0 ", ["sigma=", "logvar=", "n=", "seed=", "show=", "bins=", "svg=", "format="]),
    ("help k", ["kl"]),
    ("set f", ["format="]),
    ("set format=", ["format=text", "format=json"]),
    ("nosuch ", []),
  ])
  func completesFromTheSpecs(line: String, expected: [String]) {
    #expect(Completion.candidates(for: line, commands: CommandRegistry.withLessons) == expected)
  }

  @Test func completesFilePathsForPathArguments() throws {
    let directory = try TemporaryDirectory()
    try FileIO.writeAtomically("x", to: directory.path + "/notes.md")
    try FileIO.writeAtomically("x", to: directory.path + "/numbers.vae")
    #expect(
      Completion.candidates(for: "save \(directory.path)/no", commands: CommandRegistry.standard) == [
        "\(directory.path)/notes.md"
      ])
    #expect(
      Completion.candidates(for: "sample svg=\(directory.path)/nu", commands: CommandRegistry.standard) == [
        "svg=\(directory.path)/numbers.vae"
      ])
  }
}

/// A Ctrl-C the test can press and release.
final class StopSwitch: Sendable {
  let flag = Atomic<Bool>(false)
}
