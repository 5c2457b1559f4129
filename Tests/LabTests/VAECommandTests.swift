import Foundation
import Synchronization
import Testing

@testable import Lab

struct VAECommandTests {
  @Test func buildTrainAndInspect() {
    var engine = Engine()
    let created = engine.execute("vae new shapes latent=3 hidden=64 seed=4")
    #expect(created.error == nil)
    #expect(created.output.hasPrefix("VAE: 256-64-(3, 3) encoder, 3-64-256 decoder (relu), 33734 parameters"))
    let stepped = engine.execute("vae step 200")
    #expect(stepped.output.hasPrefix("steps 1-200: loss per example (-ELBO) "))
    let show = engine.execute("vae show format=json").output
    for key in [#""step":200"#, #""elbo":"#, #""recon":"#, #""kl":"#, #""kl_per_dim":["#, #""active_units":"#] {
      #expect(show.contains(key), "\(key)")
    }
    #expect(engine.execute("vae show").output.contains("active units: "))
    #expect(engine.execute("vae encode 2").output.hasPrefix("q(z|x) for held-out example 2:\n  dim"))
    #expect(engine.execute("vae recon [0, 1]").output.hasPrefix("#0 input"))
    #expect(engine.execute("vae sample 2 seed=1").output.hasPrefix("z1"))
    #expect(
      engine.execute("vae gradcheck").output.hasSuffix(
        "gradients agree (double precision, h = 1e-6, relative error |a - n| / (|a| + |n|); agreeing means |a - n| <= 1e-5 (|a| + |n|) + 100 eps |L| / h)"
      ))
  }

  /// An untrained model's latent biases have gradients near 1e-3, where the
  /// differences' rounding gave relative errors of 3e-5: within that rounding
  /// they agree (this said GRADIENTS DISAGREE before).
  @Test func aFreshModelsGradientsAgree() {
    var engine = Engine()
    _ = engine.execute("vae new seed=1")
    let output = engine.execute("vae gradcheck").output
    #expect(output.contains("\nfc21.bias "))
    #expect(output.contains("\ngradients agree ("))
  }

  /// The same seed gives the same model and the same losses, step for step.
  @Test func trainingReplaysFromTheSeed() {
    var a = Engine()
    var b = Engine()
    let lines = ["vae new pinwheel latent=2 hidden=32", "vae step 50", "vae show format=json"]
    #expect(lines.map { a.execute($0).output } == lines.map { b.execute($0).output })
  }

  @Test func checkpointsRoundTripAndBadFilesKeepTheModel() throws {
    let directory = NSTemporaryDirectory() + "vaelab-vae-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=32 activation=sigmoid seed=1")
    _ = engine.execute("vae step 30")
    // Everything but the loss curve, which is the session's history, not the model's.
    func model() -> Substring {
      let shown = engine.execute("vae show format=json").output
      return shown[..<(shown.range(of: #","loss_curve""#)?.lowerBound ?? shown.endIndex)]
    }
    let before = model()
    #expect(engine.execute("vae save \(directory)/m.safetensors").output.hasPrefix("saved the model at step 30"))
    _ = engine.execute("vae new pinwheel")
    #expect(engine.execute("vae load \(directory)/m.safetensors").error == nil)
    #expect(model() == before)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(directory)/bad.safetensors"))
    #expect(
      engine.execute("vae load \(directory)/bad.safetensors").error
        == "\(directory)/bad.safetensors was not loaded: it is 3 bytes long, shorter than a safetensors header; the current model is kept"
    )
    #expect(model() == before)
  }

  /// beta != 1: the trained objective is named as such, -ELBO beside it, and the
  /// curve says which it draws.
  @Test func betaNamesTheObjective() {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 beta=4 seed=1")
    let stepped = engine.execute("vae step 20").output
    #expect(stepped.hasPrefix("steps 1-20: objective per example (reconstruction + 4 KL) "))
    #expect(stepped.contains(", -ELBO "))
    let shown = engine.execute("vae show").output
    #expect(shown.contains("          reconstruction + 4 KL    -ELBO  reconstruction"))
    #expect(shown.contains("L training objective per example (reconstruction + 4 KL)"))
    let json = engine.execute("vae show format=json").output
    #expect(json.contains(#""loss_curve_of":"reconstruction + 4 KL""#))
    // The objective is reconstruction + 4 KL, -ELBO reconstruction + KL, on the same numbers.
    let text = engine.execute("vae step 1 format=json").output
    let numbers = ["objective", "recon", "kl", "neg_elbo"].map { key -> Double in
      let start = text.range(of: "\"\(key)\":")!.upperBound
      return Double(text[start...].prefix { $0 != "," && $0 != "}" })!
    }
    #expect(abs(numbers[0] - (numbers[1] + 4 * numbers[2])) < 1e-9)
    #expect(abs(numbers[3] - (numbers[1] + numbers[2])) < 1e-9)
  }

  /// A plain autoencoder has a code, not a distribution: no ELBO, sigma or KL.
  @Test func anAutoencoderShowsNoKL() {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 kind=ae seed=1")
    #expect(engine.execute("vae step 5").output.hasPrefix("steps 1-5: reconstruction loss per example "))
    let shown = engine.execute("vae show").output
    for word in ["ELBO", "KL", "sigma"] { #expect(!shown.contains(word), "\(word)") }
    let encoded = engine.execute("vae encode 0").output
    #expect(encoded.hasPrefix("code z for held-out example 0 (a plain autoencoder: one point, no distribution):\ndim"))
    for word in ["KL", "sigma"] { #expect(!encoded.contains(word), "\(word)") }
    #expect(!engine.execute("vae show format=json").output.contains("\"kl\""))
  }

  /// Data in [0, 1] get the Bernoulli likelihood; others the Gaussian with a
  /// variance from the data's spread, and the choice is said.
  @Test func theLikelihoodFollowsTheData() throws {
    let directory = try TemporaryDirectory()
    // 8 x 8 "digits": a bar at a random column, grey levels in [0, 1].
    var generator = 12345
    var lines = ["p" + (0..<64).map(String.init).joined(separator: ",p")]
    for _ in 0..<200 {
      generator = (generator * 1_103_515_245 + 12345) % 2_147_483_648
      let column = generator % 8
      lines.append((0..<64).map { $0 % 8 == column ? "0.9" : "0.05" }.joined(separator: ","))
    }
    try lines.joined(separator: "\n").write(toFile: directory.path + "/bars.csv", atomically: true, encoding: .utf8)
    var engine = Engine()
    let made = engine.execute("vae new \(directory.path)/bars.csv latent=2 hidden=16 seed=1").output
    #expect(made.contains("\nlikelihood bernoulli: every value of \(directory.path)/bars.csv lies in [0, 1]"))
    let pinwheel = engine.execute("vae new pinwheel latent=2 hidden=16 seed=1").output
    #expect(pinwheel.contains("likelihood gaussian (variance 0.022), beta 1"))
    #expect(pinwheel.contains("\nvariance 0.022 = (0.1 s)^2 to 3 digits, where s = 1.48 is the data's spread"))
    // Trained, both latent dimensions carry information: no collapse.
    _ = engine.execute("vae step 600")
    let shown = engine.execute("vae show").output
    #expect(shown.contains("active units: 2 of 2"), "\(shown)")
    #expect(
      engine.execute("vae new shapes variance=0.5").error
        == "variance= is the gaussian likelihood's; the bernoulli likelihood has none")
  }

  @Test(arguments: [
    ("vae show", "no VAE yet: make one with 'vae new' (see help vae)"),
    ("vae step", "no VAE yet: make one with 'vae new' (see help vae)"),
    ("vae new shapes latent=0", "latent must be an integer from 1 to 256, got 0"),
    ("vae recon 0.5", "i must be an integer from 0 to 1000000000, got '0.5'"),
    ("vae new kind=ae beta=4", "beta shapes the KL term, and a plain autoencoder (kind=ae) has none"),
    ("vae recon [1, 2.5]", "i[1] must be an integer from 0 to 1000000000, got '2.5'"),
    ("vae new pinwheel hidden=[8, 2.5]", "hidden[1] must be an integer from 1 to 4096, got '2.5'"),
    ("vae new shapes lr=0", "lr must be > 0 and <= 10, got 0"),
    (
      "vae new shapes activation=gelu",
      "activation must be one of relu, tanh, sigmoid, got 'gelu'; did you mean 'relu'?"
    ),
    ("vae new nothing.npy", "cannot read nothing.npy: No such file or directory"),
    (
      "vae new pinwheel likelihood=bernoulli",
      "the bernoulli likelihood needs data in [0, 1], and pinwheel is not; use likelihood=gaussian"
    ),
    (
      "vae stpe",
      "vae has no subcommand 'stpe'; did you mean 'step'? (subcommands: new, step, show, encode, recon, sample, decode, interp, traverse, latent, compare, sweep, probe, compress, density, bound, estimators, curves, gradcheck, save, load)"
    ),
  ])
  func badInputGetsASpecificError(line: String, message: String) {
    var engine = Engine()
    #expect(engine.execute(line).error == message)
  }

  @Test func examplesOutOfRangeAreNamed() {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    #expect(
      engine.execute("vae recon 5000").error == "example 5000 does not exist: the held-out set has examples 0 to 409")
  }

  @Test func ctrlCStopsTrainingAtAStepBoundary() {
    let stop = StopSwitch()
    var engine = Engine(session: Session(shouldStop: { stop.flag.load(ordering: .relaxed) }))
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    stop.flag.store(true, ordering: .relaxed)
    #expect(engine.execute("vae step 100").output == "no step taken (Ctrl-C); the model is unchanged at step 0")
    stop.flag.store(false, ordering: .relaxed)
    #expect(engine.execute("vae step 10").output.hasPrefix("steps 1-10:"))
  }
}

/// Checkpoint metadata is validated against the ranges vae new accepts (issue 9, defect 3).
struct CheckpointMetadataTests {
  /// `bytes` with `target` replaced by `replacement` in the safetensors header.
  static func editingHeader(_ bytes: [UInt8], _ target: String, _ replacement: String) -> [UInt8] {
    let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    let edited = Array(header.replacingOccurrences(of: target, with: replacement).utf8)
    return withUnsafeBytes(of: UInt64(edited.count).littleEndian) { Array($0) } + edited + bytes[(8 + length)...]
  }

  @Test(arguments: [
    ("vaelab_batch", "64", "-5", "its vaelab_batch is '-5', not a batch size from 1 to 4096"),
    (
      "vaelab_step", "0", "9223372036854775807",
      "its vaelab_step is '9223372036854775807', not a step count from 0 to 1000000000000"
    ),
    ("vaelab_lr", "0.001", "nan", "its vaelab_lr is 'nan', not a learning rate > 0 and <= 10"),
    ("vaelab_optimizer", "adam", "rmsprop", "its vaelab_optimizer is 'rmsprop', not adam or sgd"),
  ])
  func badMetadataIsRefused(key: String, value: String, bad: String, message: String) throws {
    let directory = try TemporaryDirectory()
    var engine = Engine()
    _ = engine.execute("vae new pinwheel latent=2 hidden=8 seed=1")
    _ = engine.execute("vae save \(directory.path)/m.safetensors")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/m.safetensors"))
    let edited = Self.editingHeader(Array(bytes), "\"\(key)\":\"\(value)\"", "\"\(key)\":\"\(bad)\"")
    try Data(edited).write(to: URL(fileURLWithPath: directory.path + "/bad.safetensors"))
    #expect(
      engine.execute("vae load \(directory.path)/bad.safetensors").error
        == "\(directory.path)/bad.safetensors was not loaded: \(message); the current model is kept")
  }

  /// A Bernoulli checkpoint on data outside [0, 1], and NaN weights, are refused
  /// as what they are, not with advice about the learning rate.
  @Test func aBernoulliModelOnRealDataAndNaNWeightsAreRefused() throws {
    let directory = try TemporaryDirectory()
    var engine = Engine()
    _ = engine.execute("vae new pinwheel latent=2 hidden=8 seed=1")
    _ = engine.execute("vae save \(directory.path)/m.safetensors")
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/m.safetensors")))
    let bernoulli = Self.editingHeader(bytes, #"\"likelihood\":\"gaussian\""#, #"\"likelihood\":\"bernoulli\""#)
    try Data(bernoulli).write(to: URL(fileURLWithPath: directory.path + "/b.safetensors"))
    #expect(
      engine.execute("vae load \(directory.path)/b.safetensors").error
        == "\(directory.path)/b.safetensors was not loaded: its likelihood is bernoulli, which needs data in [0, 1], and pinwheel is not; the current model is kept"
    )
    var poisoned = bytes
    for i in (poisoned.count - 4)..<poisoned.count { poisoned[i] = 0xFF }  // the last float: NaN
    try Data(poisoned).write(to: URL(fileURLWithPath: directory.path + "/n.safetensors"))
    let error = engine.execute("vae load \(directory.path)/n.safetensors").error ?? ""
    #expect(error.hasSuffix("holds NaN or infinite values; the current model is kept"), "\(error)")
  }

  @Test func aSeedBeyondTheSeedCommandIsRefused() {
    #expect(throws: LabError.self) {
      try Transcript(parsing: "---\nseed: 18446744073709551615\n---\n", name: "s.md")
    }
  }
}

/// `vae new` and `vae load` of a large model stop at Ctrl-C while its weights
/// are made, with the session as it was (issue 26, item 10).
struct ModelConstructionInterruptTests {
  /// Stopped at the 1st, 2nd and 5th question: before, between and inside
  /// layers. No workbench is left, and the session's random stream is where it
  /// was: the next `vae new` draws the seed a fresh session would.
  @Test(arguments: [1, 2, 5])
  func vaeNewStopsAndLeavesTheSessionAsItWas(after: Int) {
    let stop = StopAfter(after)
    var engine = Engine(session: Session(shouldStop: { stop.shouldStop() }))
    let reply = engine.execute("vae new pinwheel hidden=[256, 256, 256] latent=2")
    #expect(reply.error == "interrupted (Ctrl-C); nothing was changed")
    #expect(reply.output == "")
    #expect(engine.session.workbench == nil)
    stop.disarm()
    var fresh = Engine()
    let line = "vae new pinwheel hidden=8 latent=2"
    #expect(engine.execute(line).output == fresh.execute(line).output)
  }

  /// An existing model is kept when a new one is interrupted.
  @Test func anInterruptedVaeNewKeepsTheModel() {
    let stop = StopAfter(.max)
    var engine = Engine(session: Session(shouldStop: { stop.shouldStop() }))
    _ = engine.execute("vae new pinwheel hidden=8 latent=2 seed=3")
    let shown = engine.execute("vae show format=json").output
    stop.after.store(stop.asked.load(ordering: .relaxed) + 3, ordering: .relaxed)
    #expect(
      engine.execute("vae new shapes hidden=[512, 512] seed=4").error == "interrupted (Ctrl-C); nothing was changed")
    stop.disarm()
    #expect(engine.execute("vae show format=json").output == shown)
  }

  @Test func vaeLoadStops() throws {
    let directory = try TemporaryDirectory()
    let stop = StopAfter(.max)
    var engine = Engine(session: Session(shouldStop: { stop.shouldStop() }))
    _ = engine.execute("vae new pinwheel hidden=[64, 64] latent=2 seed=3")
    _ = engine.execute("vae save \(directory.path)/m.safetensors")
    _ = engine.execute("vae new pinwheel hidden=8 latent=2 seed=5")
    let shown = engine.execute("vae show format=json").output
    // The file is read in one piece; the first questions after it come from the model's construction.
    stop.after.store(stop.asked.load(ordering: .relaxed) + 2, ordering: .relaxed)
    #expect(
      engine.execute("vae load \(directory.path)/m.safetensors").error == "interrupted (Ctrl-C); nothing was changed")
    stop.disarm()
    #expect(engine.execute("vae show format=json").output == shown)
  }
}

/// A checkpoint's metadata strings are refused at load when they are not one
/// printable line, and `vae save` does not write what `vae load` would refuse
/// (issue 26, item 7).
struct CheckpointMetadataTextLoadTests {
  @Test func aLineBreakInTheDataNameIsRefusedVisibly() throws {
    let directory = try TemporaryDirectory()
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=8 seed=1")
    _ = engine.execute("vae save \(directory.path)/m.safetensors")
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/m.safetensors")))
    let edited = CheckpointMetadataTests.editingHeader(
      bytes, #""vaelab_data":"shapes""#, #""vaelab_data":"shapes\n```\n> save injected.md""#)
    try Data(edited).write(to: URL(fileURLWithPath: directory.path + "/bad.safetensors"))
    let error = engine.execute("vae load \(directory.path)/bad.safetensors").error ?? ""
    #expect(
      error
        == "\(directory.path)/bad.safetensors was not loaded: its __metadata__ value of vaelab_data is not one line of at most 1024 printable characters: it holds a line break (U+000A) at character 7: \"shapes\\n```\\n> save injected.md\"; the current model is kept"
    )
    #expect(!error.contains("\n"))
    #expect(engine.session.workbench?.data.name == "shapes")
  }
}
