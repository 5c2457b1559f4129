import Foundation
import NeuralNet
import Testing

@testable import Lab

/// `vae decode`, `vae interp` and `vae traverse`: decodes of latent points the
/// user chooses, on a line between encodings, or along one dimension.
struct LatentSpaceCommandTests {
  func model() -> Engine {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    _ = engine.execute("vae step 20")
    return engine
  }

  /// Each picture is the decoder's output at the point named in its label.
  @Test func decodeShowsTheDecoderAtEachVector() throws {
    var engine = model()
    let json = engine.execute("vae decode [0, 0, 1.5, -1] format=json").output
    let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let items = try #require(decoded?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["[0, 0]", "[1.5, -1]"])
    let model = try #require(engine.session.workbench).model
    let expected = model.decode([0, 0, 1.5, -1])
    let values = try items.flatMap { try #require($0["values"] as? [Double]) }
    #expect(values.count == 512)
    #expect(zip(values, expected).allSatisfy { abs($0 - Double($1)) <= 1e-7 })
  }

  /// The line runs from one encoding to the other, between the two inputs.
  @Test func interpolationEndsAtTheEncodings() throws {
    var engine = model()
    let text = engine.execute("vae interp 0 4 steps=3").output
    #expect(text.hasPrefix("#0 input") && text.contains("t=0 ") && text.contains("t=0.5") && text.contains("#4 input"))
    let json = engine.execute("vae interp 0 4 steps=3 format=json").output
    let items = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["#0 input", "t=0", "t=0.5", "t=1", "#4 input"])
    let workbench = try #require(engine.session.workbench)
    let rows = try VAECommand.heldOutRows(workbench, [0, 4])
    let mu = workbench.model.encode(rows).mu
    let midpoint = workbench.model.decode([(mu[0] + mu[2]) / 2, (mu[1] + mu[3]) / 2])
    let shown = try #require(items[2]["values"] as? [Double])
    #expect(zip(shown, midpoint).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
  }

  @Test func aTraversalVariesOneDimension() throws {
    var engine = model()
    let json = engine.execute("vae traverse 1 2 from=-2 to=2 steps=5 format=json").output
    let items = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["#2 input", "z1=-2", "z1=-1", "z1=0", "z1=1", "z1=2"])
    let workbench = try #require(engine.session.workbench)
    let mu = workbench.model.encode(try VAECommand.heldOutRows(workbench, [2])).mu
    let atOne = workbench.model.decode([mu[0], 1])
    let shown = try #require(items[4]["values"] as? [Double])
    #expect(zip(shown, atOne).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
  }

  @Test(arguments: [
    ("vae decode [0, 0, 1]", "z has 3 values; the model's latent vectors have 2, so give 2 or a multiple of 2"),
    ("vae decode 0", "z has 1 value; the model's latent vectors have 2, so give 2 or a multiple of 2"),
    ("vae decode [0, 1e7]", "z[1] must be from -1e6 to 1e6, got 1e7"),
    ("vae interp 0 5000", "example 5000 does not exist: the held-out set has examples 0 to 409"),
    ("vae interp 0 1 steps=1", "steps must be an integer from 2 to 64, got 1"),
    ("vae traverse 2", "the model has latent dimensions 0 to 1, not 2"),
    ("vae traverse 0 9999", "example 9999 does not exist: the held-out set has examples 0 to 409"),
    ("vae latent dims=[1, 1]", "dims takes two different latent dimensions, such as dims=[0, 1]"),
    ("vae latent dims=[0, 2]", "the model has latent dimensions 0 to 1, not 2"),
    ("vae latent color=colour", "no factor 'colour'; color= takes shape, x, y, scale, none"),
    (
      "vae latent color=label",
      "shapes has no label column (vae new FILE.csv label=COLUMN keeps one); color= takes shape, x, y, scale, none"
    ),
    ("vae latent n=4", "n= sets up vae latent grid; the scatter has no n"),
    ("vae latent grid color=shape", "color= marks the scatter's encodings; a grid of decodes has none"),
    (
      "vae latent grid range=0",
      "range is inverse-cdf or a number R from above 0 to 1e6 (a linear grid from -R to R), not '0'"
    ),
  ])
  func badInputIsRefused(line: String, message: String) {
    var engine = model()
    #expect(engine.execute(line).error == message)
  }

  @Test func theImagesGoToSVGToo() throws {
    var engine = model()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("interp-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(engine.execute("vae interp 0 1 steps=4 svg=\(path)").output.hasSuffix("wrote \(path)"))
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.contains("t=0.33") && svg.contains("#1 input"))
  }

  /// The scatter's points are the encoder means of the held-out examples, each
  /// with its shape from the data's factors.
  @Test func theScatterShowsEachEncodingWithItsFactor() throws {
    var engine = model()
    let json = engine.execute("vae latent format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(result["dims"] as? [Int] == [0, 1] && result["color"] as? String == "shape")
    let z = try #require(result["z"] as? [[Double]])
    let classes = try #require(result["classes"] as? [String])
    let workbench = try #require(engine.session.workbench)
    #expect(z.count == 410 && classes.count == 410)
    let mu = workbench.model.encode(try VAECommand.heldOutRows(workbench, [7])).mu
    #expect(abs(z[7][0] - Double(mu[0])) <= 1e-6 && abs(z[7][1] - Double(mu[1])) <= 1e-6)
    let shape = try #require(workbench.data.factor(named: "shape"))
    #expect(classes[7] == shape.classes?[Int(shape.heldOut[7])])
    // A continuous factor gives values, and the text its four quartile bands.
    let scale = try #require(
      try JSONSerialization.jsonObject(with: Data(engine.execute("vae latent color=scale format=json").output.utf8))
        as? [String: Any])
    #expect((scale["values"] as? [Double])?.first == workbench.data.factor(named: "scale")?.heldOut.first)
    let text = engine.execute("vae latent color=scale").output
    #expect(text.contains("a scale 2.5") && text.contains("d scale") && text.contains("z0 (encoder mean)"))
  }

  /// The default grid is the prior's inverse-CDF grid, read like a plot: the
  /// top-left decode is at (z0, z1) = (Phi^-1(1/16), Phi^-1(15/16)).
  @Test func theGridDecodesThePriorsQuantiles() throws {
    var engine = model()
    let json = engine.execute("vae latent grid format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let axis = try #require(result["axis"] as? [Double])
    #expect(axis.count == 8 && abs(axis[0] + 1.534_120_544_352_546) < 1e-12)
    let images = try #require(result["images"] as? [[Double]])
    let workbench = try #require(engine.session.workbench)
    let topLeft = workbench.model.decode([Float(axis[0]), Float(axis[7])])
    #expect(images.count == 64 && zip(images[0], topLeft).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
    let linear = engine.execute("vae latent grid n=3 range=2").output
    #expect(linear.contains("columns: z0 from -2 to 2; rows: z1 from 2 (top) to -2"))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = engine.execute("vae latent grid n=4 svg=\(path)")
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.contains(">z1</text>") && svg.contains(">-1.15</text>"))
  }
}

/// `vae compare`: the session's model against the other kind, trained alike.
struct CompareCommandTests {
  @Test func bothModelsReportEachMetricAndWhichWayIsBetter() throws {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    #expect(
      engine.execute("vae compare").error
        == "the model has not been trained; train it first (vae step N), and the other will take as many steps")
    _ = engine.execute("vae step 30")
    let json = engine.execute("vae compare format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(Array(result.keys).sorted() == ["ae", "vae"])
    for side in ["vae", "ae"] {
      let model = try #require(result[side] as? [String: Any])
      #expect(model["steps"] as? Int == 30)
      let completeness = try #require(model["completeness"] as? [String: Any])
      let continuity = try #require(model["continuity"] as? [String: Any])
      #expect((completeness["plausible_share"] as? [String: Any])?["better"] as? String == "higher")
      #expect((continuity["path_stretch"] as? [String: Any])?["better"] as? String == "lower")
      #expect((completeness["sample_distance_ratio"] as? [String: Any])?["value"] as? Double != nil)
    }
    #expect(
      (result["ae"] as? [String: Any]).flatMap { ($0["completeness"] as? [String: Any])?["sampling"] as? String }
        == "fitted to codes")
    // The session's model is the VAE it was, untouched.
    #expect(engine.session.workbench?.configuration.kind == .vae && engine.session.workbench?.trainer.steps == 30)
    let text = engine.execute("vae compare").output
    #expect(text.contains("plausible share") && text.contains("VAE samples") && text.contains("AE line"))
  }

  @Test func aCheckpointOfTheSameKindIsRefused() throws {
    var engine = Engine()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(getpid()).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    _ = engine.execute("vae step 5")
    _ = engine.execute("vae save \(path)")
    #expect(
      engine.execute("vae compare with=\(path)").error
        == "\(path) holds a VAE too; compare takes one of each")
    _ = engine.execute("vae new shapes latent=3 hidden=16 seed=1 kind=ae")
    _ = engine.execute("vae step 5")
    #expect(engine.execute("vae compare with=\(path)").error?.hasPrefix("\(path) is not the model's size") == true)
  }

  /// A checkpoint of the same file read with another label= column holds other
  /// examples, of another width or the same: refused, the session untouched (the
  /// first crashed in LatentPaths.line, with 10 rows in LatentSpaceQuality).
  @Test(arguments: [10, 20]) func aCheckpointOfOtherExamplesOfTheSameFileIsRefused(rows: Int) throws {
    let directory = try TemporaryDirectory()
    let csv = directory.path + "/d.csv"
    try (0..<rows).map { "\($0 % 2),\(Double($0 % 3) / 4),0.75\n" }.joined().write(
      toFile: csv, atomically: true, encoding: .utf8)
    var engine = Engine()
    for line in [
      "vae new \(csv) kind=ae latent=2 hidden=4", "vae step 1", "vae save \(directory.path)/wide.safetensors",
      "vae new \(csv) kind=ae label=1 latent=2 hidden=4", "vae step 1",
      "vae save \(directory.path)/narrow.safetensors", "vae new \(csv) label=0 latent=2 hidden=4", "vae step 1",
    ] {
      #expect(engine.execute(line).error == nil, "\(line)")
    }
    let shown = engine.execute("vae show format=json").output
    #expect(
      engine.execute("vae compare with=\(directory.path)/wide.safetensors").error
        == "\(directory.path)/wide.safetensors was trained on other examples of \(csv) than the model (3 values an example, label=none against 2 values an example, label=0); compare measures both on the same examples"
    )
    #expect(
      engine.execute("vae compare with=\(directory.path)/narrow.safetensors").error?.contains(
        "(2 values an example, label=1 against 2 values an example, label=0)") == true)
    #expect(engine.execute("vae show format=json").output == shown)
  }
}

/// `vae sweep`: one model per beta from the session model's start.
struct SweepCommandTests {
  @Test func eachBetaGetsAModelAndTheSessionsIsUnchanged() throws {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=8 seed=1")
    let json = engine.execute("vae sweep beta=[0.5, 50] steps=40 format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let models = try #require(result["models"] as? [[String: Any]])
    #expect(models.map { $0["beta"] as? Double } == [0.5, 50] && result["interrupted"] as? Bool == false)
    #expect(
      Set(models[0].keys) == [
        "beta", "rate", "distortion", "neg_elbo", "active_units", "kl_per_dim", "mean_abs_mu", "mean_sigma",
        "sample_spread", "steps", "seconds",
      ])
    // The beta = 0.5 model is the one vae new beta=0.5 would train, step for step.
    var direct = Engine()
    _ = direct.execute("vae new shapes latent=2 hidden=8 seed=1 beta=0.5")
    _ = direct.execute("vae step 40")
    let shown = try #require(
      try JSONSerialization.jsonObject(with: Data(direct.execute("vae show format=json").output.utf8))
        as? [String: Any])
    #expect(models[0]["rate"] as? Double == shown["kl"] as? Double)
    #expect(engine.session.workbench?.trainer.steps == 0)
    #expect(engine.execute("vae sweep beta=[1, 2] steps=5").output.contains("2 models, 5 steps each"))
  }

  @Test(arguments: [
    (
      "vae sweep beta=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]",
      "beta lists 13 values; vae sweep trains at most 12 models"
    ),
    ("vae sweep beta=-1", "beta must be from 0 to 1000, got -1"),
  ])
  func badSweepsAreRefused(line: String, message: String) {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=8 seed=1")
    #expect(engine.execute(line).error == message)
    _ = engine.execute("vae new shapes latent=2 hidden=8 seed=1 kind=ae")
    #expect(
      engine.execute("vae sweep").error
        == "a plain autoencoder (kind=ae) has no KL term to weigh; make a VAE with vae new")
  }
}

/// `vae probe`: linear probes on codes, raw inputs and a random projection.
struct ProbeCommandTests {
  @Test func everyFactorGetsThreeScores() throws {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    _ = engine.execute("vae step 50")
    let json = engine.execute("vae probe seed=4 format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(result["training_examples"] as? Int == 3686 && result["held_out_examples"] as? Int == 410)
    #expect(result["seed"] as? Int == 4 && result["penalty"] as? Double == 0.001)
    let dimensions = try #require(result["dimensions"] as? [String: Int])
    #expect(dimensions == ["codes": 2, "raw": 256, "random_projection": 2])
    let factors = try #require(result["factors"] as? [[String: Any]])
    #expect(factors.map { $0["name"] as? String } == ["shape", "x", "y", "scale"])
    #expect(factors.map { $0["metric"] as? String } == ["accuracy", "r2", "r2", "r2"])
    #expect(factors[0]["target"] as? String == "3 classes" && factors[0]["chance"] as? Double != nil)
    #expect(factors[1]["chance"] is NSNull)
    for factor in factors {
      let scores = try #require(factor["scores"] as? [String: Double])
      #expect(Set(scores.keys) == ["codes", "raw", "random_projection"])
    }
    // Chance: the held-out share of the commonest training class.
    let shape = try #require(engine.session.workbench?.data.factor(named: "shape"))
    let counts = (0..<3).map { c in shape.training.count { $0 == Double(c) } }
    let commonest = Double(counts.indices.max { counts[$0] < counts[$1] } ?? 0)
    let share = Double(shape.heldOut.count { $0 == commonest }) / Double(shape.heldOut.count)
    #expect(abs((factors[0]["chance"] as? Double ?? -1) - share) < 1e-12)
    // The same seed, the same projection; the text names what each column is.
    #expect(engine.execute("vae probe seed=4 format=json").output == json)
    let text = engine.execute("vae probe factor=x").output
    #expect(text.contains("codes (2)") && text.contains("raw inputs (256)") && text.contains("random projection (2)"))
    #expect(text.contains("\nx       continuous  R^2"))
  }

  /// A data file's label column, by `label=` or as the factor `label`.
  @Test func aLabelColumnIsProbed() throws {
    let directory = try TemporaryDirectory()
    var lines = ["a,b,c,kind"]
    for row in 0..<120 {
      let kind = row % 3
      lines.append((0..<3).map { $0 == kind ? "0.9" : "0.1" }.joined(separator: ",") + ",k\(kind)")
    }
    try lines.joined(separator: "\n").write(toFile: directory.path + "/k.csv", atomically: true, encoding: .utf8)
    var engine = Engine()
    _ = engine.execute("vae new \(directory.path)/k.csv label=kind latent=2 hidden=8 seed=1")
    _ = engine.execute("vae step 100")
    let json = engine.execute("vae probe label=kind seed=1 format=json").output
    let factors = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["factors"] as? [[String: Any]])
    #expect(factors.map { $0["name"] as? String } == ["label"])
    #expect((factors[0]["scores"] as? [String: Double])?["raw"] == 1)
    #expect(engine.execute("vae probe factor=label seed=1 format=json").output == json)
    #expect(engine.execute("vae probe label=type").error == "the data's label column is 'kind', not 'type'")
  }

  /// Too few examples, or a label with nearly a class per example, is refused.
  @Test func probesTheDataCannotSupport() throws {
    let directory = try TemporaryDirectory()
    try "a,b,kind\n0.1,0.2,x\n0.3,0.4,y\n".write(
      toFile: directory.path + "/two.csv", atomically: true, encoding: .utf8)
    var engine = Engine()
    _ = engine.execute("vae new \(directory.path)/two.csv label=kind latent=1 hidden=4 seed=1")
    #expect(
      engine.execute("vae probe").error
        == "\(directory.path)/two.csv has 1 training and 1 held-out examples; a probe needs at least 2 to fit and 1 to score"
    )
    let rows = (0..<150).map { "0.\($0 % 10),0.5,id\($0)" }
    try (["a,b,id"] + rows).joined(separator: "\n").write(
      toFile: directory.path + "/ids.csv", atomically: true, encoding: .utf8)
    _ = engine.execute("vae new \(directory.path)/ids.csv label=id latent=1 hidden=4 seed=1")
    #expect(
      engine.execute("vae probe").error
        == "label has 150 classes; a probe takes at most 100 (with nearly a class per example there is nothing to learn)"
    )
  }

  @Test(arguments: [
    ("vae probe factor=colour", "no factor 'colour'; shapes has shape, x, y, scale"),
    ("vae probe label=y", "shapes has no label column (vae new FILE.csv label=COLUMN keeps one)"),
    ("vae probe factor=x label=y", "give factor= or label=, not both: label=COLUMN is the factor called label"),
  ])
  func badProbes(command: String, error: String) {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    #expect(engine.execute(command).error == error)
  }
}

/// `vae compress` and `vae density`: what a VAE is for, beyond its pictures.
struct CompressionAndDensityCommandTests {
  @Test func rateAndDistortionInTextAndJSON() throws {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    _ = engine.execute("vae step 50")
    let json = engine.execute("vae compress format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(
      Set(result.keys) == [
        "examples", "rate_nats", "rate_bits", "rate_bits_per_dim", "raw_bits", "raw_bits_per_value", "ratio",
        "distortion", "mse", "data_variance",
      ])
    let workbench = try #require(engine.session.workbench)
    let direct = try Compression(model: workbench.model, data: workbench.data)
    // JSON carries 17 significant digits; Foundation's parser may round the last.
    #expect(abs((result["rate_nats"] as? Double ?? -1) - direct.rate) < 1e-12 * direct.rate)
    #expect(abs((result["mse"] as? Double ?? -1) - direct.meanSquaredError) < 1e-12 * direct.meanSquaredError)
    #expect(result["raw_bits"] as? Int == 2048)
    #expect((result["rate_bits_per_dim"] as? [Double])?.count == 2)
    let text = engine.execute("vae compress").output
    #expect(text.contains("raw size: 256 values x 8 bits (an 8-bit grey level each) = 2048 bits; the code is "))
  }

  @Test func densityAgainstTheBaseline() throws {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=3 hidden=16 seed=1")
    _ = engine.execute("vae step 50")
    let json = engine.execute("vae density n=4 k=50 seed=2 format=json").output
    let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(result["examples"] as? Int == 4 && result["method"] as? String == "iwae" && result["k"] as? Int == 50)
    #expect(result["baseline_kind"] as? String == "independent bernoulli")
    // The baseline, computed here from the data by NeuralNet's IndependentDensity.
    let data = try #require(engine.session.workbench?.data)
    let independent = IndependentDensity(training: data.training, dimension: 256, likelihood: .bernoulli)
    let expected = (0..<4).map { independent.logDensity(Array(data.heldOut[($0 * 256)..<(($0 + 1) * 256)])) }
    let baseline = try #require((result["baseline"] as? [String: Double])?["mean"])
    #expect(abs(baseline - expected.reduce(0, +) / 4) < 1e-9 * abs(baseline))
    #expect(result["baseline_floored"] as? Int == 0)
    #expect(engine.execute("vae density n=4 k=50 seed=2 format=json").output == json)
    // One example: no standard error, said in words.
    let one = engine.execute("vae density n=1 k=50").output
    #expect(one.contains("-: a standard error needs at least 2 examples"))
    #expect(
      engine.execute("vae density n=5000 k=10").output.contains("the first 410 held-out examples (all there are)"))
  }

  @Test(arguments: [
    (
      "vae compress",
      "a plain autoencoder's code is exact real numbers, which no finite number of bits holds: it has no rate; make a VAE (kind=vae), whose q(z|x) says how precisely z need be sent"
    ),
    (
      "vae density",
      "a plain autoencoder (kind=ae) defines no density: it has no prior to sample z from; make a VAE (kind=vae)"
    ),
  ])
  func anAutoencoderHasNeither(command: String, error: String) {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1 kind=ae")
    #expect(engine.execute(command).error == error)
  }
}
