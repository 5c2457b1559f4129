import Foundation
import NeuralNet
import Probability
import Synchronization
import Testing

@testable import Lab

/// Says stop from its `after`-th question on: Ctrl-C arriving in the middle of a computation.
final class StopAfter: Sendable {
  let asked = Atomic<Int>(0)
  let after: Atomic<Int>
  init(_ after: Int) { self.after = Atomic(after) }
  func shouldStop() -> Bool { asked.add(1, ordering: .relaxed).newValue >= after.load(ordering: .relaxed) }
  /// Ctrl-C is over: never stop again.
  func disarm() { after.store(.max, ordering: .relaxed) }
}

/// `vae estimators`, `vae step estimator=` and `vae curves`: the encoder's
/// gradient estimators on the session's model, rendered from NeuralNet's study.
struct EstimatorsCommandTests {
  func trained(_ options: String = "latent=2") -> Engine {
    var engine = Engine()
    _ = engine.execute("vae new shapes hidden=16 seed=1 " + options)
    _ = engine.execute("vae step 100")
    return engine
  }

  @Test func aStudyReportsEveryEncoderTensorAndEstimator() throws {
    var engine = trained()
    let text = engine.execute("vae estimators 1 trials=20 seed=3").output
    #expect(
      text.hasPrefix(
        "the gradient of -ELBO with respect to the encoder's tensors, for held-out example 1 (2-D latent): 20 independent estimates per estimator\n"
      ))
    for name in ["fc1.weight", "fc1.bias", "fc21.weight", "fc21.bias", "fc22.weight", "fc22.bias"] {
      #expect(text.contains("\n\(name) "), "\(name)")
    }
    #expect(text.contains("\nexact: Stein's identities by the trapezoid rule over q's mean +- 8 sigma"))
    let json = engine.execute("vae estimators 1 trials=20 seed=3 format=json").output
    #expect(
      json.hasPrefix(
        #"{"source":"the held-out set","examples":[1],"trials":20,"latent":2,"kl_term":"closed form","exact":"Stein's"#)
    )
    #expect(
      json.contains(
        #""tensors":[{"name":"fc1.weight","entries":4096,"estimators":{"pathwise":{"total_variance":"#))
    #expect(json.contains(#""agreement":{"score":{"rms":"#))
    #expect(json.contains(#""exact":{"rms":"#))
  }

  /// The numbers are NeuralNet's study with the command's seed, unchanged.
  @Test func theNumbersAreTheStudys() throws {
    var engine = trained()
    let json = engine.execute("vae estimators 2 trials=10 seed=4 format=json").output
    let workbench = try #require(engine.session.workbench)
    var generator = Xoshiro256StarStar(seed: 4)
    let d = workbench.configuration.inputs
    let study = try EncoderGradientStudy(
      model: workbench.model, examples: Array(workbench.data.heldOut[(2 * d)..<(3 * d)]), trials: 10, exact: true,
      using: &generator)
    let tensor = study.tensors[0]
    let pathwise = try #require(tensor.moments(.pathwise))
    let score = try #require(tensor.moments(.score))
    let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let tensors = try #require(decoded?["tensors"] as? [[String: Any]])
    let estimators = try #require(tensors[0]["estimators"] as? [String: [String: Any]])
    // To the last digit or two: Foundation's JSON parser on Linux rounds some 17-digit numbers.
    func same(_ a: Any?, _ b: Double?) -> Bool {
      guard let a = a as? Double, let b else { return false }
      return abs(a - b) <= 1e-15 * abs(b)
    }
    #expect(same(estimators["pathwise"]?["total_variance"], pathwise.totalVariance))
    #expect(same(estimators["score"]?["variance_ratio"], score.totalVariance / pathwise.totalVariance))
    #expect(same(tensors[0]["exact_error"], tensor.exactError?.max()))
  }

  /// Beyond two latent dimensions there is no quadrature, and the text says so.
  @Test func moreDimensionsHaveNoExactGradient() {
    var engine = trained("latent=3")
    #expect(engine.execute("vae estimators batch=2 trials=5 seed=1 format=json").output.contains(#""exact":null"#))
    let text = engine.execute("vae estimators batch=2 trials=5 seed=1").output
    #expect(text.contains("for the mean over held-out examples 0 to 1 (3-D latent)"))
    #expect(text.hasSuffix("no exact gradient: quadrature over the latent space is done for 1- and 2-D latents only"))
  }

  @Test(arguments: [
    ("vae estimators 5000", "the held-out set has no example 5000: its examples are 0 to 409"),
    ("vae estimators 1 batch=2", "give one example I or batch=B, not both"),
    ("vae estimators trials=1", "trials must be an integer from 2 to 10000, got 1"),
    ("vae estimators batch=65", "batch must be an integer from 1 to 64, got 65"),
    ("vae estimators label=y", "label= names a column of data=; give data= too"),
    ("vae step 1 estimator=reinforce", "estimator must be one of pathwise, score, score+baseline, got 'reinforce'"),
    ("vae curves 0", "n must be an integer from 1 to 100000, got 0"),
  ])
  func badInputIsRefused(line: String, message: String) {
    var engine = trained()
    #expect(engine.execute(line).error == message)
  }

  /// data=: every row (up to 64), one row, or the first B; the width must be the model's.
  @Test func theRowsOfADataFile() throws {
    var engine = trained()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("estimators-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func csv(rows: Int, columns: Int) -> String {
      let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
      let body = (0..<rows).map { row in (0..<columns).map { "0.\(($0 + row) % 10)" }.joined(separator: ",") }
      return ([header] + body).joined(separator: "\n") + "\n"
    }
    let three = directory.appendingPathComponent("three.csv").path
    try csv(rows: 3, columns: 256).write(toFile: three, atomically: true, encoding: .utf8)
    let many = directory.appendingPathComponent("many.csv").path
    try csv(rows: 65, columns: 256).write(toFile: many, atomically: true, encoding: .utf8)
    let narrow = directory.appendingPathComponent("narrow.csv").path
    try csv(rows: 2, columns: 3).write(toFile: narrow, atomically: true, encoding: .utf8)
    #expect(
      engine.execute("vae estimators data=\(three) trials=4 seed=1").output.contains(
        "for the mean over rows 0 to 2 of \(three) (2-D latent)"))
    #expect(engine.execute("vae estimators 1 data=\(three) trials=4 seed=1").output.contains("for row 1 of \(three)"))
    #expect(
      engine.execute("vae estimators data=\(many)").error
        == "\(many) has 65 rows; a study averages over at most 64: pick one with I or the first B with batch=B")
    #expect(
      engine.execute("vae estimators batch=2 data=\(many) trials=4 seed=1").output.contains(
        "for the mean over rows 0 to 1 of \(many)"))
    #expect(
      engine.execute("vae estimators data=\(narrow)").error == "\(narrow) has 3 values per row, but the model takes 256"
    )
  }

  @Test func aPlainAutoencoderHasNoEstimatorsToCompare() {
    var engine = Engine()
    _ = engine.execute("vae new shapes hidden=8 latent=2 kind=ae seed=1")
    #expect(
      engine.execute("vae estimators").error
        == "a plain autoencoder (kind=ae) has no q(z|x) to estimate a gradient through; use kind=vae")
    #expect(
      engine.execute("vae step 2 estimator=score").error
        == "a plain autoencoder (kind=ae) has no q(z|x) for the score function; its encoder trains by backpropagation only"
    )
    #expect(
      engine.execute("vae curves 2").error
        == "a plain autoencoder (kind=ae) has no q(z|x), so nothing for the estimators to differ on")
  }

  /// `vae step estimator=` trains with that estimator for those steps only, and
  /// says so; the default (pathwise) is left out of the JSON as before.
  @Test func stepsWithAnEstimatorSayWhich() throws {
    var engine = trained()
    let json = engine.execute("vae step 3 estimator=score format=json").output
    #expect(json.hasPrefix(#"{"step":103,"taken":3,"#) && json.hasSuffix(#","estimator":"score"}"#))
    #expect(
      engine.execute("vae step 2 estimator=score+baseline").output.hasSuffix(
        "\nthe encoder's gradient by the score function less the leave-one-out mean of the batch's -log p(x|z)"))
    #expect(try #require(engine.session.workbench).model.estimator == .pathwise)
    #expect(!engine.execute("vae step 1 format=json").output.contains("estimator"))
  }

  /// The same steps with the score function are not the pathwise steps: the
  /// encoder's weights move differently, the decoder's gradient is the same.
  @Test func theEstimatorChangesTheEncodersUpdate() throws {
    var pathwise = trained()
    var score = trained()
    _ = pathwise.execute("vae step 1")
    _ = score.execute("vae step 1 estimator=score")
    let (a, b) = (try #require(pathwise.session.workbench).model, try #require(score.session.workbench).model)
    #expect(a.fc1.weight != b.fc1.weight)
    #expect(a.fc4.weightGradient == b.fc4.weightGradient)
  }

  @Test func curvesTrainCopiesAndLeaveTheModel() throws {
    var engine = trained()
    let workbench = try #require(engine.session.workbench)
    let before = workbench.model.fc1.weight
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let text = engine.execute("vae curves 20 every=5 seed=2 svg=\(path)").output
    #expect(text.hasPrefix("held-out -ELBO per example of copies of the model (from step 100) trained 20 steps"))
    #expect(text.contains("P pathwise   S score   B score+baseline") && text.hasSuffix("\nwrote \(path)"))
    #expect(workbench.model.fc1.weight == before && workbench.trainer.steps == 100)
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.contains("score+baseline"))
    let json = engine.execute("vae curves 20 every=5 seed=2 format=json").output
    let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let curves = try #require(decoded?["curves"] as? [String: [String: Any]])
    #expect(Set(curves.keys) == ["pathwise", "score", "score+baseline"])
    let starts = try curves.values.map { curve in
      let points = try #require(curve["points"] as? [[String: Any]])
      #expect(points.map { $0["step"] as? Int } == [0, 5, 10, 15, 20])
      return try #require(points[0]["neg_elbo"] as? Double)
    }
    // The same start for every copy: the model's own held-out -ELBO.
    #expect(Set(starts).count == 1)
  }

  /// Ctrl-C in the middle: an error, and the session as it was.
  @Test(arguments: ["vae estimators 0 trials=50", "vae curves 50", "vae bound 0 k=[1, 1000]"])
  func ctrlCStopsCleanly(line: String) throws {
    let stop = StopAfter(.max)
    var engine = Engine(session: Session(shouldStop: { stop.shouldStop() }))
    var reference = Engine()
    _ = engine.execute("vae new shapes hidden=16 seed=1 latent=2")
    _ = reference.execute("vae new shapes hidden=16 seed=1 latent=2")
    let weights = try #require(engine.session.workbench).model.fc1.weight
    stop.after.store(stop.asked.load(ordering: .relaxed) + 40, ordering: .relaxed)
    #expect(engine.execute(line).error == "interrupted (Ctrl-C); nothing was changed")
    stop.disarm()
    #expect(try #require(engine.session.workbench).model.fc1.weight == weights)
    // The session's random stream did not advance.
    #expect(engine.execute("sample n=5").output == reference.execute("sample n=5").output)
  }
}
